import Foundation
import Testing

/// Environments on the real Docker engine with Compose v1, as users run them.
@Suite("Environments on a real Docker engine", .serialized)
struct EnvironmentTests {
    static let tools = ["docker", "docker-compose"]

    /// Requires a Docker engine that answers (in CI a missing one fails the test).
    static func requireDocker() throws {
        try Integration.require(tools)
        let info = try Integration.run(["docker", "info", "--format", "{{.ServerVersion}}"])
        if info.status != 0 {
            Issue.record("no Docker engine answers; run scripts/bootstrap")
            throw IntegrationError.missing("dockerd")
        }
    }

    @Test("two environments of the demo run side by side; services reach each other by name, each its own",
          .enabled(if: Integration.canRun(needing: tools)), arguments: ExampleProjectTests.flavours)
    func twoEnvironmentsSideBySide(compose: String) throws {
        try Self.requireDocker()
        try Integration.require([compose])
        let demo = try DemoEnvironment(compose: compose)
        defer { demo.tearDown() }
        let results = try demo.ciloConcurrently([["up", "blue"], ["up", "green"]])
        for result in results { #expect(result.status == 0, "\(result.err)") }
        let list = try demo.list()
        #expect(list.count == 2)
        #expect(Set(list.compactMap { $0["subnet"] as? String }).count == 2, "distinct subnets")
        #expect(list.allSatisfy { $0["status"] as? String == "running" })
        for env in ["blue", "green"] {
            // From inside the env's own network: the worker reaches web by its service name.
            let fetched = try demo.cilo(["exec", env, "worker", "--", "wget", "-q", "-O", "-", "http://web/"])
            #expect(fetched.status == 0, "\(fetched.err)")
            #expect(fetched.out.contains("hello from \(env)"), "\(env) reached \(fetched.out)")
            let stored = try demo.cilo(["exec", env, "db", "--", "cat", "/var/lib/db/rows"])
            #expect(stored.out.contains("demo rows"))
        }
        let status = try demo.cilo(["status", "blue", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        let services = try #require(object["services"] as? [[String: Any]])
        #expect(Set(services.compactMap { $0["name"] as? String }) == ["web", "worker", "db"])
        #expect(services.allSatisfy { ($0["ip"] as? String)?.hasPrefix("10.") == true })
        let disk = try demo.cilo(["du", "--json", "green"])
        let measured = try #require(try JSONSerialization.jsonObject(with: Data(disk.out.utf8)) as? [[String: Any]])
        #expect(measured.first?["path"] as? String == demo.home + "/envs/\(demo.project)/green", "du measures an env's workspace")
        func listedDisk(_ arguments: [String] = []) throws -> [String: Int] {
            let out = try demo.cilo(["list", "--json"] + arguments).out
            let array = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: array.compactMap { entry in
                (entry["diskExclusiveBytes"] as? Int).map { (entry["name"] as? String ?? "", $0) }
            })
        }
        #expect(try listedDisk() == ["green": try #require(measured.first?["exclusiveBytes"] as? Int)],
                "list shows the figure cilo du kept, and none for a workspace never measured")
        #expect(try Set(listedDisk(["--disk"]).keys) == ["blue", "green"], "list --disk measures every workspace")
        let dryRun = try demo.cilo(["destroy", "blue", "--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.err)")
        #expect(dryRun.out.contains("would destroy \(demo.project)/blue") && dryRun.out.contains("3 containers, 1 network, 1 volume")
                && dryRun.out.contains(demo.home + "/envs/\(demo.project)/blue"), "\(dryRun.out)")
        #expect(try demo.list().count == 2, "a dry run removes nothing")
        let path = try demo.cilo(["path", "green"])
        #expect(path.out.trimmingCharacters(in: .whitespacesAndNewlines) == demo.home + "/envs/\(demo.project)/green")
    }

    @Test("run passes variables, arguments with dashes and the exit status",
          .enabled(if: Integration.canRun(needing: tools)), arguments: ExampleProjectTests.flavours)
    func runPassesThrough(compose: String) throws {
        try Self.requireDocker()
        try Integration.require([compose])
        let demo = try DemoEnvironment(compose: compose)
        defer { demo.tearDown() }
        let script = "echo \"env=$CILO_ENV project=$CILO_PROJECT subnet=$CILO_SUBNET web=$CILO_SERVICE_WEB_IP base=$CILO_BASE_URL extra=$EXTRA pwd=$PWD args=$0,$1\"; exit 42"
        let result = try demo.cilo(["run", "-e", "EXTRA=yes", "sh", "agent-1", "-c", script, "--shard=1/4", "-x"])
        #expect(result.status == 42, "\(result.err)")
        #expect(result.out.contains("env=agent-1 project=\(demo.project) subnet=10."))
        #expect(result.out.contains("extra=yes"))
        #expect(result.out.contains("base=http://10."))
        #expect(result.out.contains("pwd=\(demo.home)/envs/\(demo.project)/agent-1"))
        #expect(result.out.contains("args=--shard=1/4,-x"))
        #expect(!result.out.contains("web= "), "the web service's address is set")
        // Already running: --no-up and a second run do not restart it.
        let again = try demo.cilo(["run", "--no-up", "true", "agent-1"])
        #expect(again.status == 0)
        let missing = try demo.cilo(["run", "--no-up", "no-such-command-xyz", "agent-1"])
        #expect(missing.status == 127)
        #expect(missing.err.contains("command not found"))
    }

    @Test("destroy leaves no container, volume or network with the environment's labels",
          .enabled(if: Integration.canRun(needing: tools)))
    func destroyLeavesNothing() throws {
        try Self.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "doomed"]).status == 0)
        #expect(try demo.cilo(["down", "doomed"]).status == 0)
        #expect(try demo.list().first?["status"] as? String == "stopped")
        #expect(try demo.leftovers().contains { $0.hasPrefix("volume") }, "down keeps volumes")
        #expect(try demo.cilo(["up", "doomed"]).status == 0)
        let destroyed = try demo.cilo(["destroy", "doomed", "--force"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        let left = try demo.leftovers()
        #expect(left.isEmpty, "\(left)")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/doomed"))
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/generated/\(demo.project)/doomed"))
        #expect(try demo.list().isEmpty)
    }

    @Test("ten parallel runs of one project all succeed on distinct subnets; two ups of one env serialise",
          .enabled(if: Integration.canRun(needing: tools)))
    func tenParallelRuns() throws {
        try Self.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let commands = (1...10).map { ["run", "sh", "agent-\($0)", "-c", "test \"$CILO_ENV\" = agent-\($0)"] }
        let results = try demo.ciloConcurrently(commands)
        for (index, result) in results.enumerated() { #expect(result.status == 0, "agent-\(index + 1): \(result.err)") }
        let list = try demo.list()
        #expect(list.count == 10)
        #expect(Set(list.compactMap { $0["subnet"] as? String }).count == 10)
        #expect(list.allSatisfy { $0["status"] as? String == "running" })

        let same = try demo.ciloConcurrently([["up", "twin"], ["up", "twin"]])
        for result in same { #expect(result.status == 0, "\(result.err)") }
        let twins = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "label=dev.cilo.env=twin"])
        #expect(twins.split(separator: "\n").count == 3, "one set of containers")
        let destroyed = try demo.cilo(["destroy", "--all", "--force"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        #expect(try demo.leftovers().isEmpty)
    }

    @Test("a failing up is stopped and marked failed; destroy then removes it cleanly",
          .enabled(if: Integration.canRun(needing: tools)))
    func failingUpRollsBack() throws {
        try Self.requireDocker()
        let broken = """
            services:
              web:
                image: cilo-test/busybox
                command: ["httpd", "-f", "-p", "80"]
              ghost:
                image: cilo-test/this-image-does-not-exist
            """
        let demo = try DemoEnvironment(composeOverride: broken)
        defer { demo.tearDown() }
        let result = try demo.cilo(["up", "broken", "--timeout", "60"])
        #expect(result.status != 0)
        #expect(result.err.contains("compose up failed"), "\(result.err)")
        #expect(try demo.list().first?["status"] as? String == "failed")
        let running = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)"])
        #expect(running.isEmpty, "nothing half-running")
        #expect(try demo.cilo(["destroy", "broken", "--force"]).status == 0)
        #expect(try demo.leftovers().isEmpty)
        #expect(try demo.list().isEmpty)
    }

    @Test("exclude: in .cilo/config.yml leaves those names out of every workspace; a misspelt setting is refused",
          .enabled(if: Integration.canRun(needing: tools)))
    func configuredExcludes() throws {
        try Self.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        try FileManager.default.createDirectory(atPath: demo.directory + "/web/node_modules/left-pad", withIntermediateDirectories: true)
        try "x".write(toFile: demo.directory + "/web/node_modules/left-pad/index.js", atomically: true, encoding: .utf8)
        try "project: \(demo.project)\nexclude: [node_modules]\n".write(toFile: demo.directory + "/.cilo/config.yml", atomically: true, encoding: .utf8)
        let created = try demo.cilo(["create", "lean"])
        #expect(created.status == 0, "\(created.err)")
        let workspace = demo.home + "/envs/\(demo.project)/lean"
        #expect(FileManager.default.fileExists(atPath: workspace + "/web"))
        #expect(!FileManager.default.fileExists(atPath: workspace + "/web/node_modules"))

        try "project: \(demo.project)\nexlude: [node_modules]\n".write(toFile: demo.directory + "/.cilo/config.yml", atomically: true, encoding: .utf8)
        Integration.expectOneLineError(try demo.cilo(["create", "typo"]), mentioning: ["unknown setting 'exlude'", "config.yml"])
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/typo"))
    }

    @Test("bad input: a clear error each, nothing changed", .enabled(if: Integration.canRun(needing: tools)))
    func badInput() throws {
        try Self.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        Integration.expectOneLineError(try demo.cilo(["create", "!!!"]), mentioning: ["invalid environment name"])
        for command in [["status", "ghost"], ["down", "ghost"], ["destroy", "ghost", "--force"], ["path", "ghost"], ["logs", "ghost"]] {
            Integration.expectOneLineError(try demo.cilo(command), mentioning: ["no environment 'ghost'"])
        }
        #expect(try demo.cilo(["create", "real"]).status == 0)
        Integration.expectOneLineError(try demo.cilo(["create", "real"]), mentioning: ["already exists"])
        Integration.expectOneLineError(try demo.cilo(["logs", "real", "nosuch"]), mentioning: ["no service 'nosuch'"])
        Integration.expectOneLineError(try demo.cilo(["exec", "real", "nosuch", "--", "true"]), mentioning: ["no service 'nosuch'"])
        let noTerminal = try demo.cilo(["destroy", "real"])
        #expect(noTerminal.status != 0 && noTerminal.err.contains("--force"))

        try FileManager.default.removeItem(atPath: demo.directory + "/docker-compose.yml")
        Integration.expectOneLineError(try demo.cilo(["create", "nocompose"]), mentioning: ["no compose file"])
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/nocompose"))
        #expect(try demo.list().map { $0["name"] as? String } == ["real"])

        try "services:\n  web: [not, a, mapping\n".write(toFile: demo.directory + "/docker-compose.yml", atomically: true, encoding: .utf8)
        Integration.expectOneLineError(
            try demo.cilo(["create", "invalid"]), mentioning: ["not valid YAML", "line 3", demo.directory + "/docker-compose.yml"])
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/invalid"))
        #expect(try demo.list().map { $0["name"] as? String } == ["real"])
    }
}
