import Foundation
import Testing

/// `cilo stats` and `cilo bench` on the real engine and real file systems.
@Suite("Measured cost: stats and bench", .serialized)
struct BenchAndStatsTests {
    static let tools = ["docker", "docker-compose", "mkfs.btrfs", "mkfs.ext4"]

    /// Adds 200 files of 64 KiB to the demo: enough data that sharing shows, few enough inline files.
    private static func addData(to demo: DemoEnvironment) throws {
        try Integration.check(["python3", "-c", """
            import os, sys
            os.makedirs(sys.argv[1])
            for i in range(200):
                with open(f"{sys.argv[1]}/blob{i}.bin", "wb") as h: h.write(os.urandom(65536))
            """, demo.directory + "/assets"])
    }

    private static func bench(_ demo: DemoEnvironment, _ extra: [String]) throws -> [String: Any] {
        let result = try demo.cilo(["bench", "--envs", "2", "--sample", "1", "--json"] + extra)
        #expect(result.status == 0, "\(result.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    }

    private static func strategy(_ json: [String: Any], _ name: String) throws -> [String: Any] {
        let strategies = try #require(json["strategies"] as? [[String: Any]])
        return try #require(strategies.first { $0["strategy"] as? String == name })
    }

    private static func meanExclusive(_ strategy: [String: Any]) throws -> Double {
        let environments = try #require(strategy["environments"] as? [[String: Any]])
        let values = environments.compactMap { $0["exclusiveBytes"] as? Int }
        #expect(values.count == 2)
        return Double(values.reduce(0, +)) / Double(max(1, values.count))
    }

    @Test("stats reads every service's memory and PIDs from cgroup files", .enabled(if: Integration.canRun(needing: ["docker", "docker-compose"])))
    func stats() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "measured"]).status == 0)
        let result = try demo.cilo(["stats", "--json"])
        #expect(result.status == 0, "\(result.err)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]])
        let environment = try #require(array.first)
        #expect(environment["env"] as? String == "measured")
        let services = try #require(environment["services"] as? [[String: Any]])
        #expect(Set(services.compactMap { $0["service"] as? String }) == ["web", "worker", "db"])
        for service in services {
            #expect((service["memoryBytes"] as? Int ?? 0) > 0, "\(service)")
            #expect((service["pids"] as? Int ?? 0) >= 1, "\(service)")
            #expect(service["cpuPercent"] is Double || service["cpuPercent"] is Int)
        }
        #expect(try demo.cilo(["stats"]).out.contains("total"))
        Integration.expectOneLineError(try demo.cilo(["stats", "ghost"]), mentioning: ["no environment 'ghost'"])
    }

    @Test("bench on btrfs: a copy-on-write environment costs under 5% of a full copy; nothing is left",
          .enabled(if: Integration.canRun(needing: tools)))
    func benchOnBtrfs() throws {
        try EnvironmentTests.requireDocker()
        try Integration.require(["mkfs.btrfs"])
        let fs = try LoopFileSystem(.btrfs, sizeMiB: 800)
        defer { fs.tearDown() }
        let demo = try DemoEnvironment(under: fs.mountPoint)
        defer { demo.tearDown() }
        try Self.addData(to: demo)
        // Per-file reflink clones are what this measures: `workspace: clone` keeps auto from overlays.
        try demo.addToConfig("workspace: clone")
        let reportPath = (demo.directory as NSString).deletingLastPathComponent + "/report.html"
        let json = try Self.bench(demo, ["--report", reportPath])
        for key in ["project", "source", "sourceApparentBytes", "sourceAllocatedBytes", "filesystem", "environmentsPerStrategy",
                    "parallel", "stack", "host", "strategies", "plan"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["filesystem"] as? String == "btrfs")
        let auto = try Self.strategy(json, "auto")
        let copy = try Self.strategy(json, "copy")
        let environment = try #require((auto["environments"] as? [[String: Any]])?.first)
        for key in ["name", "cloneStrategy", "cloneSeconds", "upSeconds", "exclusiveBytes", "statfsDropBytes", "memoryBytes", "cpuPercent", "containers"] {
            #expect(environment[key] != nil, "missing \(key)")
        }
        #expect(environment["cloneStrategy"] as? String == "reflink")
        #expect(environment["containers"] as? Int == 3)
        let cow = try Self.meanExclusive(auto)
        let full = try Self.meanExclusive(copy)
        #expect(full > 12_000_000, "a full copy holds the 12.5 MiB of data: \(full)")
        #expect(cow < full * 0.05, "copy-on-write \(cow) vs copy \(full)")
        let plan = try #require(json["plan"] as? [String: Any])
        #expect((plan["fits"] as? Int ?? 0) > 0 && plan["binding"] is String)
        // Memory as the host sees it beside the cgroups' figure; the plan counts the larger. (How
        // much larger is measured on a quiet machine, scripts/bench-plan: other suites running at
        // once move MemAvailable both ways, so here the host figure may even read 0.)
        let cgroups = try #require(environment["memoryBytes"] as? Int)
        let host = try #require(environment["hostMemoryBytes"] as? Int)
        #expect(cgroups > 0 && host >= 0)
        let memoryLimit = try #require((plan["limits"] as? [[String: Any]])?.first { $0["resource"] as? String == "memory" })
        let planned = memoryLimit["perEnvironment"] as? Double ?? 0
        let means = try #require(auto["environments"] as? [[String: Any]]).map { max($0["memoryBytes"] as? Int ?? 0, $0["hostMemoryBytes"] as? Int ?? 0) }
        #expect(abs(planned - Double(means.reduce(0, +)) / Double(means.count)) < 1, "plan \(planned) vs \(means)")
        // The plan is kept for admission.
        let saved = try #require(FileManager.default.contents(atPath: demo.home + "/plans/\(demo.project).json"))
        let savedPlan = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        #expect(savedPlan["fits"] as? Int == plan["fits"] as? Int)
        let html = try String(contentsOfFile: reportPath, encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(try demo.leftovers().isEmpty)
        #expect(try demo.list().isEmpty)
    }

    @Test("bench on ext4: a copy costs about the tree; --no-stack works without containers",
          .enabled(if: Integration.canRun(needing: tools)))
    func benchOnExt4() throws {
        try EnvironmentTests.requireDocker()
        try Integration.require(["mkfs.ext4"])
        let fs = try LoopFileSystem(.ext4, sizeMiB: 400)
        defer { fs.tearDown() }
        let demo = try DemoEnvironment(under: fs.mountPoint)
        defer { demo.tearDown() }
        try Self.addData(to: demo)
        let json = try Self.bench(demo, ["--strategies", "copy"])
        let source = try #require(json["sourceAllocatedBytes"] as? Int)
        let copy = try Self.meanExclusive(try Self.strategy(json, "copy"))
        #expect(copy > Double(source) * 0.9 && copy < Double(source) * 1.1, "copy \(copy) vs tree \(source)")
        #expect(try demo.leftovers().isEmpty)

        let bare = try Self.bench(demo, ["--no-stack", "--strategies", "auto,copy", "--parallel"])
        #expect(bare["stack"] as? Bool == false)
        let auto = try Self.strategy(bare, "auto")
        let environment = try #require((auto["environments"] as? [[String: Any]])?.first)
        #expect(environment["containers"] as? Int == 0)
        #expect(environment["cloneStrategy"] as? String == "copy-range")
        let benchLeft = (try? FileManager.default.contentsOfDirectory(atPath: demo.home + "/bench")) ?? []
        #expect(benchLeft.isEmpty, "\(benchLeft)")
    }

    @Test("Ctrl-C during bench removes every bench environment and exits 130",
          .enabled(if: Integration.canRun(needing: ["docker", "docker-compose"])))
    func benchInterrupted() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        // The signal lands once the first bench environment has a container: while they are being made.
        let result = try Interrupter.run(
            [Integration.ciloExecutable, "bench", "--envs", "3", "--strategies", "auto", "--sample", "1"],
            environment: ["CILO_HOME": demo.home], directory: demo.directory
        ) { _ in
            !((try? Integration.check(["docker", "ps", "-aq", "--filter", "label=dev.cilo.project=\(demo.project)"])) ?? "").isEmpty
        }
        #expect(result.status == 130, "exit \(result.status): \(result.err)")
        #expect(result.err.contains("cancelled"), "\(result.err)")
        #expect(try demo.list().isEmpty)
        #expect(try demo.leftovers().isEmpty)
    }

    @Test("bench bad input: a clear error each, nothing left", .enabled(if: Integration.canRun(needing: ["docker", "docker-compose"])))
    func benchBadInput() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let zero = try demo.cilo(["bench", "--envs", "0"])
        #expect(zero.status != 0 && zero.err.contains("--envs"))
        let unknown = try demo.cilo(["bench", "--strategies", "auto,teleport"])
        #expect(unknown.status != 0 && unknown.err.contains("teleport"))
        Integration.expectOneLineError(try demo.cilo(["bench", "--envs", "100000"]), mentioning: ["--force"])
        Integration.expectOneLineError(try demo.cilo(["bench", "--envs", "1", "--report", "/nonexistent-dir/report.html"]),
                                       mentioning: ["cannot write the report"])
        Integration.expectOneLineError(try demo.cilo(["bench", "--envs", "1"], environment: ["DOCKER_HOST": "unix:///nonexistent.sock"]),
                                       mentioning: ["Docker is not reachable"])
        try FileManager.default.removeItem(atPath: demo.directory + "/docker-compose.yml")
        Integration.expectOneLineError(try demo.cilo(["bench", "--envs", "1"]), mentioning: ["no compose file"])
        #expect(try demo.list().isEmpty)
        #expect(try demo.leftovers().isEmpty)
    }
}
