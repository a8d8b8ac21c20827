import Foundation
import Testing

/// The data-safety and security defects a hostile test found, each checked on the real engine.
@Suite("Nothing lost, nothing leaked", .serialized)
struct SafetyTests {
    static let tools = EnvironmentTests.tools + ["setpriv"]

    private func labelled(_ kind: [String], project: String, env: String) throws -> [String] {
        try Integration.check(["docker"] + kind + ["--filter", "label=dev.cilo.project=\(project)", "--filter", "label=dev.cilo.env=\(env)"])
            .split(separator: "\n").map(String.init)
    }

    @Test("project a-b env c and project a env b-c are two environments in Docker too; destroying one leaves the other",
          .enabled(if: Integration.canRun(needing: tools)))
    func namesDoNotCollide() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let first = "\(demo.project)-b"
        let second = demo.project
        defer { _ = try? demo.cilo(["destroy", "--all", "--force", "--project", first]) }
        #expect(try demo.cilo(["up", "c", "--project", first]).status == 0)
        #expect(try demo.cilo(["up", "b-c", "--project", second]).status == 0)
        let firstContainers = try labelled(["ps", "-q"], project: first, env: "c")
        #expect(firstContainers.count == 3)
        let networks = try Integration.check(["docker", "network", "ls", "--format", "{{.Name}}", "--filter", "name=cilo_\(demo.project)"])
        #expect(Set(networks.split(separator: "\n")) == ["cilo_\(first)_c", "cilo_\(second)_b-c"], "\(networks)")
        #expect(try demo.cilo(["destroy", "b-c", "--force", "--project", second]).status == 0)
        #expect(try labelled(["ps", "-q"], project: first, env: "c") == firstContainers, "the other environment's containers are untouched")
        #expect(try demo.cilo(["exec", "--project", first, "c", "worker", "--", "true"]).status == 0)
    }

    @Test("two cilo homes with one project and environment name: the second is refused; its down and destroy leave the first alone",
          .enabled(if: Integration.canRun(needing: tools)))
    func twoHomesDoNotTakeOverEachOther() throws {
        try EnvironmentTests.requireDocker()
        let first = try DemoEnvironment()
        let second = try DemoEnvironment()
        defer {
            second.tearDown()
            first.tearDown()
        }
        // The same project name in another CILO_HOME (a CI shard with a home of its own).
        let config = second.directory + "/.cilo/config.yml"
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: second.project, with: first.project)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try first.cilo(["up", "shard"]).status == 0)
        let containers = try labelled(["ps", "-q"], project: first.project, env: "shard")
        #expect(containers.count == 3)
        let refused = try second.cilo(["up", "shard"])
        #expect(refused.status == 1)
        Integration.expectOneLineError(refused, mentioning: ["another cilo home", first.home])
        Integration.expectOneLineError(try second.cilo(["logs", "shard"]), mentioning: ["another cilo home"])
        Integration.expectOneLineError(try second.cilo(["exec", "shard", "worker", "--", "true"]), mentioning: ["another cilo home"])
        #expect(try second.cilo(["down", "shard"]).status == 0)
        #expect(try second.cilo(["destroy", "shard", "--force"]).status == 0)
        #expect(try labelled(["ps", "-q"], project: first.project, env: "shard") == containers, "the first home's containers run on")
        #expect(try first.cilo(["exec", "shard", "worker", "--", "true"]).status == 0)
        #expect(try first.cilo(["destroy", "shard", "--force"]).status == 0)
        #expect(try labelled(["ps", "-aq"], project: first.project, env: "shard").isEmpty)
    }

    @Test("a bind that leaves the project resolves beside the source, never into another environment's workspace",
          .enabled(if: Integration.canRun(needing: tools)))
    func relativeBindsStayOutOfOtherWorkspaces() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              writer:
                image: cilo-test/busybox
                command: ["sh", "-c", "echo from-$${CILO_ENV} > /x/mark && exec sleep 600"]
                environment: {CILO_ENV: "${CILO_ENV}"}
                volumes: ["../outside:/x"]
            """)
        defer { demo.tearDown() }
        let outside = (demo.directory as NSString).deletingLastPathComponent + "/outside"
        #expect(try demo.cilo(["create", "outside"]).status == 0)
        let up = try demo.cilo(["up", "agent"])
        #expect(up.status == 0, "\(up.err)")
        #expect(up.err.contains("warning: service writer: bind mount") && up.err.contains(outside), "\(up.err)")
        #expect((try? String(contentsOfFile: outside + "/mark", encoding: .utf8)) == "from-agent\n")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/outside/mark"),
                "the environment named outside is untouched")
    }

    @Test("secrets stay private: the home and the rendered compose file are not readable by another user",
          .enabled(if: Integration.canRun(needing: tools)))
    func secretsArePrivate() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              api:
                image: cilo-test/busybox
                command: ["sleep", "600"]
                environment: {API_TOKEN: "${API_TOKEN}"}
            """)
        defer { demo.tearDown() }
        try "API_TOKEN=s3cret-value\n".write(toFile: demo.directory + "/.env", atomically: true, encoding: .utf8)
        _ = try Integration.check(["chmod", "600", demo.directory + "/.env"])
        #expect(try demo.cilo(["up", "a"]).status == 0)
        let generated = demo.home + "/generated/\(demo.project)/a/compose.yml"
        #expect(try String(contentsOfFile: generated, encoding: .utf8).contains("s3cret-value"), "compose interpolated the value")
        let mode = try Integration.check(["stat", "-c", "%a", generated, demo.home, demo.home + "/state", demo.home + "/generated",
                                          demo.directory.replacingOccurrences(of: "/project", with: "/home/envs/\(demo.project)/a/.env")])
        #expect(mode.split(separator: "\n") == ["600", "711", "700", "700", "600"], "\(mode)")
        // As nobody: nothing of cilo's state can be read.
        for path in [generated, demo.home + "/state/\(demo.project)/a.json"] {
            let read = try Integration.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", path])
            #expect(read.status != 0 && !read.out.contains("s3cret"), "\(path) is readable by nobody")
        }
        let listing = try Integration.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ls", demo.home])
        #expect(listing.status != 0, "the home can be listed by nobody: \(listing.out)")
    }

    @Test("an interrupted destroy is recorded: list says so, up refuses, doctor --fix finishes it",
          .enabled(if: Integration.canRun(needing: tools)))
    func interruptedDestroyIsFinished() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "gone"]).status == 0)
        #expect(try demo.cilo(["up", "kept"]).status == 0)
        // What a destroy killed after its first step leaves: the record says destroying, the volume is gone.
        let statePath = demo.home + "/state/\(demo.project)/gone.json"
        var record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any])
        record["status"] = "destroying"
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: statePath))
        _ = try Integration.check(["sh", "-c", "docker ps -aq --filter label=dev.cilo.env=gone --filter label=dev.cilo.project=\(demo.project) | xargs -r docker rm -f -v"])
        #expect(try demo.list().first { $0["name"] as? String == "gone" }?["status"] as? String == "destroying")
        Integration.expectOneLineError(try demo.cilo(["up", "gone"]), mentioning: ["being destroyed", "cilo destroy gone"])
        let fixed = try demo.cilo(["doctor", "--fix"])
        #expect(fixed.status == 0, "\(fixed.out)\(fixed.err)")
        #expect(try demo.list().map { $0["name"] as? String } == ["kept"], "gone never comes back without its data")
        #expect(try labelled(["volume", "ls", "-q"], project: demo.project, env: "gone").isEmpty)
        #expect(try demo.cilo(["destroy", "kept", "--force"]).status == 0)
        for folder in ["state", "envs", "generated", "locks"] {
            #expect(!FileManager.default.fileExists(atPath: demo.home + "/\(folder)/\(demo.project)"),
                    "\(folder)/\(demo.project) went with the project's last environment")
        }
    }

    @Test("a host-network service is named in a warning, loses its container_name, and up neither waits for its address nor hangs",
          .enabled(if: Integration.canRun(needing: tools)))
    func hostNetworkService() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              web:
                image: cilo-test/busybox
                command: ["sleep", "600"]
              probe:
                image: cilo-test/busybox
                network_mode: host
                container_name: fixed-probe
                command: ["sleep", "600"]
            """)
        defer { demo.tearDown() }
        for env in ["one", "two"] {
            let up = try demo.cilo(["up", env, "--timeout", "30"])
            #expect(up.status == 0, "\(up.err)")
            #expect(up.err.contains("warning: service probe uses the host's network"), "\(up.err)")
        }
        let names = try Integration.check(["docker", "ps", "--format", "{{.Names}}", "--filter", "label=dev.cilo.project=\(demo.project)"])
        #expect(!names.contains("fixed-probe") && names.split(separator: "\n").count == 4, "\(names)")
    }

    @Test("names that are not valid are refused with the valid form, and nothing is made",
          .enabled(if: Integration.canRun(needing: tools)))
    func invalidNamesAreRefused() throws {
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        for (raw, suggestion) in [("ünï", "n"), ("a/b", "a-b"), ("../x", "x")] {
            Integration.expectOneLineError(try demo.cilo(["create", raw]), mentioning: ["invalid environment name '\(raw)'", "for example '\(suggestion)'"])
        }
        Integration.expectOneLineError(try demo.cilo(["create", "x", "--project", "my_app"]), mentioning: ["invalid project name", "my-app"])
        #expect(try demo.cilo(["create", "UPPER"]).status == 0, "upper case is lower-cased")
        #expect(try demo.list().map { $0["name"] as? String } == ["upper"])
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/x"))
    }
}
