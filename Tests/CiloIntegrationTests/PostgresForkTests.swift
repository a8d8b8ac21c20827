import Foundation
import Testing

/// A real database forked while it is written to: PostgreSQL from Debian's packages
/// (`cilo-test/postgres`, made by scripts/postgres-image), a writer inserting without pause.
/// Each fork must start, pass PostgreSQL's own consistency check (`pg_amcheck`), hold every row
/// committed before the fork began, and never see later writes of the source (nor the source
/// the fork's).
@Suite("A database under writes, forked", .serialized)
struct PostgresForkTests {
    static let compose = """
        services:
          db:
            image: cilo-test/postgres
            volumes:
              - pgdata:/var/lib/postgresql/data
            healthcheck:
              test: ["CMD", "pg_isready", "-U", "postgres", "-h", "127.0.0.1"]
              interval: 1s
              retries: 60
          writer:
            image: cilo-test/postgres
            entrypoint: ["sh", "-c", "until pg_isready -qh db -U postgres; do sleep 0.2; done; psql -qh db -U postgres -c 'create table if not exists t (id bigserial primary key, v bigint)'; i=0; while [ $$i -lt 500000 ]; do psql -qh db -U postgres -c \\"insert into t(v) values ($$i)\\" || sleep 0.2; i=$$((i+1)); done"]
            depends_on: [db]
        volumes:
          pgdata:

        """

    static func sql(_ demo: DemoEnvironment, _ env: String, _ query: String) throws -> (status: Int32, out: String, err: String) {
        try demo.cilo(["exec", env, "db", "--", "psql", "-qtAX", "-U", "postgres", "-h", "127.0.0.1", "-c", query])
    }

    static func count(_ demo: DemoEnvironment, _ env: String, _ condition: String = "true") throws -> Int {
        Int(try sql(demo, env, "select count(*) from t where \(condition)").out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test("10 forks of a database under continuous writes: each starts, passes pg_amcheck, holds every committed row, shares no later write; a dropped table comes back by restore",
          .enabled(if: Integration.canRun(needing: ["docker"])))
    func forkedUnderWrites() throws {
        try Integration.require(["docker"])
        guard (try? Integration.run(["docker", "image", "inspect", "cilo-test/postgres"]))?.status == 0 else {
            Issue.record("needs the image cilo-test/postgres: run scripts/bootstrap (scripts/postgres-image)")
            return
        }
        let demo = try DemoEnvironment(composeOverride: Self.compose)
        defer { demo.tearDown() }
        let up = try demo.cilo(["up", "src"])
        try #require(up.status == 0, "\(up.err)")
        // Bounded: the writer makes its table and its first rows within a minute.
        for _ in 0..<120 where (try? Self.count(demo, "src")) ?? -1 < 50 { usleep(500_000) }
        try #require(try Self.count(demo, "src") >= 50, "the writer writes")
        for round in 1...10 {
            let fork = "f\(round)"
            let committed = try Self.count(demo, "src")
            let forked = try demo.cilo(["fork", "src", fork, "--json"])
            try #require(forked.status == 0, "fork \(round): \(forked.err)")
            #expect(try Self.count(demo, fork) >= committed, "fork \(round) holds every row committed before it began")
            let check = try demo.cilo(["exec", fork, "db", "--", "pg_amcheck", "-U", "postgres", "-h", "127.0.0.1", "--install-missing", "--heapallindexed", "-d", "postgres"])
            #expect(check.status == 0, "fork \(round) passes pg_amcheck: \(check.out) \(check.err)")
            #expect(try Self.sql(demo, fork, "insert into t(v) values (-\(round))").status == 0)
            #expect(try Self.sql(demo, "src", "insert into t(v) values (-\(1000 + round))").status == 0)
            #expect(try Self.count(demo, "src", "v = -\(round)") == 0, "the fork's write never shows in the source")
            #expect(try Self.count(demo, fork, "v = -\(1000 + round)") == 0, "the source's later write never shows in the fork")
            #expect(try demo.cilo(["destroy", fork, "--force"]).status == 0)
        }
        #expect(try Self.count(demo, "src") > 0, "the source runs on")
        // checkpoint, a destructive change (the table dropped), restore: the table is back.
        let kept = try Self.count(demo, "src")
        try #require(try demo.cilo(["checkpoint", "src", "before-drop"]).status == 0)
        #expect(try Self.sql(demo, "src", "drop table t").status == 0)
        let restored = try demo.cilo(["restore", "src", "before-drop"])
        try #require(restored.status == 0, "\(restored.err)")
        #expect(try Self.count(demo, "src") >= kept, "the dropped table is back with every row the checkpoint held")
        let paused = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "status=paused"])
        #expect(paused.isEmpty)
    }
}
