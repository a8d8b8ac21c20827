import Foundation
import Testing

/// examples/shop, a project shaped like most real ones, under Compose v1 and v2.
@Suite("A realistic compose project under Compose v1 and v2", .serialized)
struct ExampleProjectTests {
    /// `CILO_COMPOSE` for each flavour: v1 by name, v2 by the absolute path of its standalone binary.
    static let flavours = ["docker-compose", "/opt/cilo-compose-v2/usr/libexec/docker/cli-plugins/docker-compose"]

    private func status(_ demo: DemoEnvironment, _ env: String, _ compose: String) throws -> [String: Any] {
        let result = try demo.cilo(["status", env, "--json"], environment: ["CILO_COMPOSE": compose])
        return try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any], "\(result.err)")
    }

    private func services(_ object: [String: Any]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (object["services"] as? [[String: Any]] ?? []).compactMap { service in
            (service["name"] as? String).map { ($0, service["status"] as? String ?? "") }
        })
    }

    @Test("one-shot migration, health checks, a built api with env file and ${PORT}, profiles, render rules, shared images",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)), arguments: flavours)
    func shop(compose: String) throws {
        try EnvironmentTests.requireDocker()
        try Integration.require([compose])
        let demo = try DemoEnvironment(example: "shop")
        defer { demo.tearDown() }
        let variables = ["CILO_COMPOSE": compose]
        _ = try Integration.check(["chmod", "600", demo.directory + "/config/app.env"])

        let run = try demo.cilo(["run", "sh", "e1", "-c", "wget -q -O - $CILO_BASE_URL; echo; echo url=$CILO_SERVICE_API_URL"], environment: variables)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("api on port 3000") && run.out.contains("schema: schema v2: users, orders"), "\(run.out)")
        #expect(run.out.contains("config: BASE_URL=http://\(demo.project).e1.test"), "the render rule ran in the workspace: \(run.out)")
        #expect(run.out.contains("url=http://10.") && run.out.contains(":3000"), "the URL carries the port: \(run.out)")
        #expect(!run.err.contains("warning"), "nothing to warn about: \(run.err)")
        let e1 = try status(demo, "e1", compose)
        #expect(e1["status"] as? String == "running")
        let e1Services = services(e1)
        #expect(e1Services["migrate"] == "exited (0)" && e1Services["api"] == "running (healthy)", "\(e1Services)")
        #expect(e1Services["admin"] == nil || e1Services["admin"] == "inactive", "the tools profile is off: \(e1Services)")
        #expect(try String(contentsOfFile: demo.directory + "/config/app.env", encoding: .utf8) == "BASE_URL=http://localhost:3000\n",
                "the source is never rendered")
        let workspace = demo.home + "/envs/\(demo.project)/e1"
        #expect(try Integration.check(["stat", "-c", "%a", workspace + "/config/app.env"]) == "600\n", "0600 stays 0600")

        #expect(try demo.cilo(["up", "e2"], environment: variables).status == 0)
        let images = try Integration.check(["docker", "images", "-q", "--filter", "reference=cilo-build/\(demo.project)-api"])
        #expect(images.split(separator: "\n").count == 1, "one image for both environments: \(images)")
        let tools = try demo.cilo(["up", "e1", "--profile", "tools"], environment: variables)
        #expect(tools.status == 0, "\(tools.err)")
        #expect(services(try status(demo, "e1", compose))["admin"] == "exited (0)")
        #expect(try demo.cilo(["logs", "e1", "admin"], environment: variables).out.contains("schema v2"))

        #expect(try demo.cilo(["destroy", "e1", "--force"], environment: variables).status == 0)
        #expect(try !Integration.check(["docker", "images", "-q", "--filter", "reference=cilo-build/\(demo.project)-api"]).isEmpty,
                "e2 still uses the image")
        #expect(try demo.cilo(["destroy", "e2", "--force"], environment: variables).status == 0)
        #expect(try Integration.check(["docker", "images", "-q", "--filter", "reference=cilo-build/\(demo.project)-api"]).isEmpty,
                "the image went with the last environment using it")
    }

    @Test("a failing one-shot job, a failing init hook, a service with neither image nor build: named, nothing left running",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)), arguments: flavours)
    func failures(compose: String) throws {
        try EnvironmentTests.requireDocker()
        try Integration.require([compose])
        let demo = try DemoEnvironment(example: "shop")
        defer { demo.tearDown() }
        let variables = ["CILO_COMPOSE": compose]
        let composeFile = demo.directory + "/docker-compose.yml"
        let original = try String(contentsOfFile: composeFile, encoding: .utf8)
        try original.replacingOccurrences(of: "&& echo migrated", with: "&& echo 'relation users exists' && exit 3")
            .write(toFile: composeFile, atomically: true, encoding: .utf8)
        let failed = try demo.cilo(["up", "bad"], environment: variables)
        #expect(failed.status != 0)
        #expect(failed.err.contains("migrate") && failed.err.contains("3"), "\(failed.err)")
        let running = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)"])
        #expect(running.isEmpty, "nothing is left running: \(running)")

        try original.write(toFile: composeFile, atomically: true, encoding: .utf8)
        let config = demo.directory + "/.cilo/config.yml"
        try (try String(contentsOfFile: config, encoding: .utf8)).replacingOccurrences(of: "init_hook: test -f .env", with: "init_hook: echo vault sealed; exit 7")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let hook = try demo.cilo(["up", "hooked"], environment: variables)
        #expect(hook.status != 0 && hook.err.contains("init_hook") && hook.err.contains("vault sealed") && hook.err.contains("7"), "\(hook.err)")
        #expect(try Integration.check(["docker", "ps", "-aq", "--filter", "label=dev.cilo.env=hooked", "--filter", "label=dev.cilo.project=\(demo.project)"]).isEmpty)

        try (try String(contentsOfFile: config, encoding: .utf8)).replacingOccurrences(of: "echo vault sealed; exit 7", with: "true")
            .write(toFile: config, atomically: true, encoding: .utf8)
        try (original + "  broken:\n    command: [\"true\"]\n").replacingOccurrences(of: "volumes:\n  dbdata:\n", with: "")
            .appending("volumes:\n  dbdata:\n").write(toFile: composeFile, atomically: true, encoding: .utf8)
        let noImage = try demo.cilo(["create", "noimage"], environment: variables)
        #expect(noImage.status != 0 && noImage.err.contains("broken"), "\(noImage.err)")
        #expect(noImage.err.split(separator: "\n").count == 1, "one line: \(noImage.err)")
    }
}
