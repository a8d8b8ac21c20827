import Foundation
import Testing

/// Shared services: one container of a heavy service for every environment of a project.
@Suite("Shared services", .serialized)
struct SharedServicesTests {
    /// A database shared by label, on a second network, with a published port, a fixed name, a
    /// health check, an interpolated value from an env file and a named volume; an api that
    /// waits for its health, links it under another name and is on both networks.
    static let compose = """
        services:
          db:
            image: cilo-test/busybox
            init: true
            container_name: shared-db
            labels:
              dev.cilo.share: "true"
            command: ["sh", "-c", "mkdir -p /var/lib/db && echo ${DB_GREETING:-unset} > /var/lib/db/greeting && touch /var/lib/db/ready && exec httpd -f -p 5432 -h /var/lib/db"]
            ports: ["5432:5432"]
            volumes: [dbdata:/var/lib/db, ./seed:/seed:ro]
            networks: [backend]
            healthcheck:
              test: ["CMD", "test", "-f", "/var/lib/db/ready"]
              interval: 1s
              retries: 30
          api:
            image: cilo-test/busybox
            init: true
            command: ["sh", "-c", "mkdir -p /www && echo api > /www/index.html && exec httpd -f -p 80 -h /www"]
            networks: [backend, default]
            links: ["db:database"]
            depends_on:
              db:
                condition: service_healthy
        volumes:
          dbdata: {}
        networks:
          backend: {}
        """

    private func makeProject(grace: Int, yaml: String = Self.compose, tool: String? = nil) throws -> DemoEnvironment {
        let demo = try DemoEnvironment(composeOverride: yaml, compose: tool)
        try "DB_GREETING=from-env-file\n".write(toFile: demo.directory + "/shared.env", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: demo.directory + "/seed", withIntermediateDirectories: true)
        try "rows from the source\n".write(toFile: demo.directory + "/seed/rows", atomically: true, encoding: .utf8)
        try demo.addToConfig("env_files: [shared.env]\nshared_grace: \(grace)")
        return demo
    }

    /// The containers of one compose service of the project (`env` nil: the shared project).
    private func containers(_ demo: DemoEnvironment, env: String?, service: String, all: Bool = true) throws -> [String] {
        let composeProject = env.map { "cilo_\(demo.project)_\($0)" } ?? "cilo_\(demo.project)__shared"
        let out = try Integration.check(["docker", "ps", all ? "-aq" : "-q", "--filter", "label=com.docker.compose.project=\(composeProject)",
                                         "--filter", "label=com.docker.compose.service=\(service)"])
        return out.split(separator: "\n").map(String.init)
    }

    private func fetch(_ demo: DemoEnvironment, env: String, _ url: String) throws -> String {
        let api = try #require(try containers(demo, env: env, service: "api").first)
        return try Integration.run(["docker", "exec", api, "timeout", "5", "wget", "-q", "-O", "-", url]).out
    }

    private func sharedNetworks(_ demo: DemoEnvironment) throws -> [String] {
        guard let db = try containers(demo, env: nil, service: "db").first else { return [] }
        return try Integration.check(["docker", "inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", db])
            .split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.sorted()
    }

    private func state(_ demo: DemoEnvironment) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: demo.home + "/shared/\(demo.project)/state.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("environments coming up at once share exactly one container, reach it by name on each network, and it stops when the last goes",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)), arguments: ExampleProjectTests.flavours)
    func sharedByLabel(compose: String) throws {
        try EnvironmentTests.requireDocker()
        try Integration.require([compose])
        let demo = try makeProject(grace: 0, tool: compose)
        defer { demo.tearDown() }
        let variables: [String: String] = [:]
        let ups = try demo.ciloConcurrently([["up", "e1"], ["up", "e2"], ["up", "e3"]])
        for up in ups { #expect(up.status == 0, "\(up.err)") }
        #expect(ups[0].err.contains("shared service db: its published ports are not published") && ups[0].err.contains("container_name shared-db dropped"),
                "the stripped port and name are said: \(ups[0].err)")
        #expect(try containers(demo, env: nil, service: "db").count == 1, "exactly one shared container")
        for env in ["e1", "e2", "e3"] {
            #expect(try containers(demo, env: env, service: "db").isEmpty, "\(env) has no db of its own")
            #expect(try fetch(demo, env: env, "http://db:5432/greeting") == "from-env-file\n", "\(env) reaches db by name, interpolated from env_files")
            #expect(try fetch(demo, env: env, "http://database:5432/greeting") == "from-env-file\n", "the link alias answers in \(env)")
        }
        #expect(try sharedNetworks(demo) == ["cilo_\(demo.project)__shared_backend"] + ["e1", "e2", "e3"].flatMap {
            ["cilo_\(demo.project)_\($0)", "cilo_\(demo.project)_\($0)_backend"]
        }.sorted(), "its own network and each environment's two")
        let status = try demo.cilo(["status", "e2", "--json"], environment: variables)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        let db = try #require((record["services"] as? [[String: Any]])?.first { $0["name"] as? String == "db" })
        #expect(db["shared"] as? Bool == true && (db["usedBy"] as? [String])?.sorted() == ["e1", "e2", "e3"], "\(db)")
        let address = try #require(db["ip"] as? String)
        #expect(address.hasPrefix(((record["subnet"] as? String) ?? "?").replacingOccurrences(of: ".0/24", with: ".")), "its address on e2's own subnet")
        #expect(try Integration.run(["wget", "-q", "-T", "3", "-O", "-", "http://\(address):5432/greeting"]).out == "from-env-file\n")
        #expect(try demo.cilo(["list"], environment: variables).out.contains("e1, e2, e3"))

        // Going and coming at once: two downs and an up; the one container stays for the two left.
        let mixed = try demo.ciloConcurrently([["down", "e1"], ["up", "e4"], ["down", "e2"]])
        for result in mixed { #expect(result.status == 0, "\(result.err)") }
        #expect(try containers(demo, env: nil, service: "db", all: false).count == 1, "e3 and e4 use it")
        #expect(try sharedNetworks(demo).filter { $0.contains("_e1") || $0.contains("_e2") }.isEmpty, "detached from e1 and e2")
        #expect(try fetch(demo, env: "e4", "http://db:5432/greeting") == "from-env-file\n")
        #expect(try demo.cilo(["destroy", "e4", "--force"], environment: variables).status == 0)
        #expect(try demo.cilo(["up", "e1"], environment: variables).status == 0)
        #expect(try demo.cilo(["up", "e2"], environment: variables).status == 0)

        // Data in its volume outlives the container: down all (grace 0 stops it), up again.
        let db1 = try #require(try containers(demo, env: nil, service: "db").first)
        _ = try Integration.check(["docker", "exec", db1, "sh", "-c", "echo kept > /var/lib/db/row"])
        #expect(try demo.cilo(["down", "e1"], environment: variables).status == 0)
        #expect(try demo.cilo(["destroy", "e2", "--force"], environment: variables).status == 0)
        #expect(try !containers(demo, env: nil, service: "db", all: false).isEmpty, "e3 still uses it")
        #expect(try demo.cilo(["down", "e3"], environment: variables).status == 0)
        #expect(try containers(demo, env: nil, service: "db", all: false).isEmpty, "stopped at once with shared_grace: 0")
        #expect(try sharedNetworks(demo) == ["cilo_\(demo.project)__shared_backend"], "detached from every environment")
        #expect(try demo.cilo(["up", "e1"], environment: variables).status == 0)
        #expect(try fetch(demo, env: "e1", "http://db:5432/row") == "kept\n")
        #expect(try demo.cilo(["destroy", "--all", "--force"], environment: variables).out.contains("removed shared db"))
        #expect(try containers(demo, env: nil, service: "db").isEmpty)
        #expect(try Integration.check(["docker", "volume", "ls", "-q", "--filter", "label=dev.cilo.project=\(demo.project)"]).isEmpty)
    }

    @Test("a changed definition is refused while used and recreated once unused, its volume kept; --isolate gives an environment its own",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func changedDefinition() throws {
        try EnvironmentTests.requireDocker()
        let demo = try makeProject(grace: 60)
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "e1"]).status == 0)
        let first = try #require(try containers(demo, env: nil, service: "db").first)
        _ = try Integration.check(["docker", "exec", first, "sh", "-c", "echo kept > /var/lib/db/row"])
        let exec = try demo.cilo(["exec", "e1", "db", "--", "cat", "/var/lib/db/row"])
        #expect(exec.status == 0 && exec.out == "kept\n", "cilo exec reaches the shared container: \(exec.err)")
        #expect(try demo.cilo(["logs", "e1", "db"]).status == 0)
        let seed = try Integration.check(["docker", "inspect", "--format", "{{range .Mounts}}{{if eq .Destination \"/seed\"}}{{.Source}}{{end}}{{end}}", first])
        #expect(seed.trimmingCharacters(in: .whitespacesAndNewlines) == demo.directory + "/seed", "a relative bind resolves as in the source: \(seed)")
        #expect(try demo.cilo(["exec", "e1", "db", "--", "cat", "/seed/rows"]).out == "rows from the source\n")
        try "DB_GREETING=changed\n".write(toFile: demo.directory + "/shared.env", atomically: true, encoding: .utf8)
        let refused = try demo.cilo(["up", "e2"])
        #expect(refused.status == 75, "\(refused.err)")
        Integration.expectOneLineError(refused, mentioning: ["shared service db", "changed", "e1", "--isolate db"])
        #expect(try sharedNetworks(demo).filter { $0.contains("_e2") }.isEmpty, "e2 was not attached")
        let own = try demo.cilo(["up", "e2", "--isolate", "db"])
        #expect(own.status == 0, "\(own.err)")
        #expect(try containers(demo, env: "e2", service: "db").count == 1, "e2 runs its own db")
        #expect(try fetch(demo, env: "e2", "http://db:5432/greeting") == "changed\n")

        #expect(try demo.cilo(["down", "e1"]).status == 0)
        let up = try demo.cilo(["up", "e1"])
        #expect(up.status == 0, "\(up.err)")
        let second = try #require(try containers(demo, env: nil, service: "db").first)
        #expect(second != first, "recreated: nobody used it")
        #expect(try fetch(demo, env: "e1", "http://db:5432/greeting") == "changed\n")
        #expect(try fetch(demo, env: "e1", "http://db:5432/row") == "kept\n", "the project's volume survived the re-creation")
        #expect(try demo.cilo(["up", "e2"]).status == 0, "e2's --isolate is kept for its later starts")
        #expect(try containers(demo, env: "e2", service: "db", all: false).count == 1)
    }

    @Test("shared_grace: the last down leaves it running until the grace time passed and a cilo call comes; doctor reports and stops it",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func graceTime() throws {
        try EnvironmentTests.requireDocker()
        let demo = try makeProject(grace: 2)
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "e1"]).status == 0)
        #expect(try demo.cilo(["down", "e1"]).status == 0)
        #expect(try containers(demo, env: nil, service: "db", all: false).count == 1, "still running in its grace time")
        #expect(try demo.cilo(["list"]).out.contains("nobody; stops in"))
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try containers(demo, env: nil, service: "db", all: false).count == 1, "no background process stopped it")
        _ = try demo.cilo(["list"])
        #expect(try containers(demo, env: nil, service: "db", all: false).isEmpty, "the next cilo call stopped it")

        #expect(try demo.cilo(["up", "e1"]).status == 0)
        #expect(try demo.cilo(["doctor"]).out.contains("used by e1"))
        // A cilo killed after writing its user and before starting: such a user counts for nothing.
        let config = demo.directory + "/.cilo/config.yml"
        try (try String(contentsOfFile: config, encoding: .utf8)).replacingOccurrences(of: "shared_grace: 2", with: "shared_grace: 600")
            .write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try demo.cilo(["down", "e1"]).status == 0)
        let statePath = demo.home + "/shared/\(demo.project)/state.json"
        let written = try String(contentsOfFile: statePath, encoding: .utf8)
        try written.replacingOccurrences(of: "\"users\" : [\n\n      ]", with: "\"users\" : [\"e1\", \"ghost\"]")
            .replacingOccurrences(of: "\"users\" : [ ]", with: "\"users\" : [\"e1\", \"ghost\"]")
            .write(toFile: statePath, atomically: true, encoding: .utf8)
        #expect(try String(contentsOfFile: statePath, encoding: .utf8).contains("ghost"), "the test wrote the lost users")
        let doctor = try demo.cilo(["doctor"])
        #expect(doctor.out.contains("runs but no environment uses it"), "\(doctor.out)")
        let fixed = try demo.cilo(["doctor", "--fix"])
        #expect(fixed.out.contains("runs but no environment uses it") && !fixed.out.contains("fix failed"), "\(fixed.out)")
        #expect(try containers(demo, env: nil, service: "db", all: false).isEmpty, "doctor --fix stopped it")
    }

    @Test("bad input: unknown --shared, --shared with --isolate, a shared service that fails: one line, nothing made or attached",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func badInput() throws {
        try EnvironmentTests.requireDocker()
        let failing = Self.compose.replacingOccurrences(of: "touch /var/lib/db/ready && exec httpd", with: "echo cannot open the data files >&2 && exit 3 && httpd")
        let demo = try makeProject(grace: 0, yaml: failing)
        defer { demo.tearDown() }
        let unknown = try demo.cilo(["up", "e1", "--shared", "nope"])
        #expect(unknown.status != 0)
        Integration.expectOneLineError(unknown, mentioning: ["--shared nope", "no service 'nope'"])
        #expect(try demo.list().isEmpty, "nothing half-made")
        let both = try demo.cilo(["up", "e1", "--shared", "api", "--isolate", "api"])
        #expect(both.status != 0)
        Integration.expectOneLineError(both, mentioning: ["api", "--shared", "--isolate"])

        let ups = try demo.ciloConcurrently([["up", "e1", "--timeout", "30"], ["up", "e2", "--timeout", "30"]])
        for up in ups {
            #expect(up.status != 0)
            #expect(up.err.contains("db shared by project") && up.err.contains("cannot open the data files"), "names the shared service and its logs: \(up.err)")
        }
        #expect(try sharedNetworks(demo) == ["cilo_\(demo.project)__shared_backend"], "nothing left half-attached")
        let users = (try state(demo)["services"] as? [String: Any]).flatMap { ($0["db"] as? [String: Any])?["users"] as? [String] } ?? []
        #expect(users.isEmpty, "no environment is left a user: \(users)")
        #expect(try containers(demo, env: "e1", service: "api", all: false).isEmpty && containers(demo, env: "e2", service: "api", all: false).isEmpty)
    }
}
