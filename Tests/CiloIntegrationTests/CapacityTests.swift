#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing

/// Staying within the machine on the real engine: admission, default limits, out-of-memory
/// reporting, `run --rm` and `prune`.
@Suite("Within the machine: admission, limits, memory kills, clean-up", .serialized)
struct CapacityTests {
    static let tools = EnvironmentTests.tools + ["python3", "flock"]

    /// One service that sleeps: quick to start, nothing to wait for.
    static let sleeper = """
        services:
          app:
            image: cilo-test/busybox
            init: true
            command: ["sleep", "600"]
        """

    private func writeConfig(_ demo: DemoEnvironment, _ text: String) throws {
        try ("project: \(demo.project)\n" + text).write(toFile: demo.directory + "/.cilo/config.yml", atomically: true, encoding: .utf8)
    }

    /// A cilo process in the demo's folder with its home, not yet started (`prefix`: a program
    /// that runs cilo, such as one giving it a process group of its own).
    private func ciloProcess(_ demo: DemoEnvironment, _ arguments: [String], environment: [String: String] = [:], prefix: [String] = []) -> Process {
        let process = Process()
        let command = prefix + [Integration.ciloExecutable] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["CILO_HOME": demo.home]) { $1 }) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: demo.directory)
        return process
    }

    /// The environments of the demo's project with a container Docker runs now.
    private func runningEnvironments(_ demo: DemoEnvironment) throws -> Set<String> {
        let out = try Integration.check(["docker", "ps", "--filter", "label=dev.cilo.project=\(demo.project)", "--format", "{{.Label \"dev.cilo.env\"}}"])
        return Set(out.split(separator: "\n").map(String.init))
    }

    @Test("10 cilo run --wait --rm started at once with a limit of 2 never have more than 2 environments up",
          .enabled(if: Integration.canRun(needing: tools)))
    func waitingLineHoldsTheLimit() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: Self.sleeper)
        defer { demo.tearDown() }
        let most = Mutex(0)
        let done = Mutex(false)
        let watcher = Thread {
            // Bounded: at most 3000 looks, one every 50 ms.
            for _ in 0..<3000 where !done.withLock({ $0 }) {
                if let count = try? runningEnvironments(demo).count { most.withLock { $0 = max($0, count) } }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        watcher.start()
        // Ten processes really at once (concurrentPerform would run only as many as there are CPUs).
        var processes: [(Process, String)] = []
        for index in 1...10 {
            let process = ciloProcess(demo, ["run", "--wait", "--rm", "sh", "w\(index)", "-c", "sleep 1"], environment: ["CILO_MAX_ENVIRONMENTS": "2"])
            let log = (demo.directory as NSString).deletingLastPathComponent + "/w\(index).err"
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = FileHandle.nullDevice
            processes.append((process, log))
        }
        for (process, _) in processes { try process.run() }
        for (process, _) in processes { process.waitUntilExit() }
        done.withLock { $0 = true }
        let errors = processes.map { (try? String(contentsOfFile: $0.1, encoding: .utf8)) ?? "" }
        for (index, (process, _)) in processes.enumerated() { #expect(process.terminationStatus == 0, "\(errors[index])") }
        #expect(most.withLock { $0 } <= 2, "at most 2 environments up at once; seen \(most.withLock { $0 })")
        #expect(most.withLock { $0 } >= 1)
        #expect(errors.filter { $0.contains("in line") }.count >= 5, "the others waited and said their place")
        #expect(try demo.list().isEmpty, "--rm removed every environment")
        #expect(try demo.leftovers().isEmpty)
        let tickets = (try? FileManager.default.contentsOfDirectory(atPath: demo.home + "/admission")) ?? []
        #expect(tickets.isEmpty, "no ticket left in line: \(tickets)")
    }

    @Test("beyond max_environments up exits 75 at once, naming the limit and what runs, making nothing",
          .enabled(if: Integration.canRun(needing: tools)))
    func refusedAtOnce() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: Self.sleeper)
        defer { demo.tearDown() }
        try writeConfig(demo, "max_environments: 1\n")
        #expect(try demo.cilo(["up", "first"]).status == 0)
        let refused = try demo.cilo(["up", "second"])
        #expect(refused.status == 75)
        Integration.expectOneLineError(refused, mentioning: ["max_environments", "first", "--wait"])
        #expect(try demo.list().map { $0["name"] as? String } == ["first"], "nothing of 'second' was made")
        let timedOut = try demo.cilo(["up", "second", "--wait", "1"])
        #expect(timedOut.status == 75 && timedOut.err.contains("waited"), "\(timedOut.err)")
        // A stopped environment holds no place.
        #expect(try demo.cilo(["down", "first"]).status == 0)
        #expect(try demo.cilo(["up", "second"]).status == 0)
        // The memory reserve: more than the machine has is never free.
        try writeConfig(demo, "reserve_memory: 100000g\n")
        let reserve = try demo.cilo(["up", "third"])
        #expect(reserve.status == 75)
        Integration.expectOneLineError(reserve, mentioning: ["reserve_memory", "available"])
    }

    @Test("bad limits are errors naming the key; nothing is made", .enabled(if: Integration.canRun(needing: tools)))
    func badLimits() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: Self.sleeper)
        defer { demo.tearDown() }
        for (config, key) in [("max_environments: 0\n", "max_environments"), ("max_environments: -3\n", "max_environments"),
                              ("max_environments: many\n", "max_environments"), ("limits:\n  memory: lots\n", "limits.memory"),
                              ("limits:\n  memory: 1k\n", "limits.memory"), ("limits:\n  cpus: none\n", "limits.cpus"),
                              ("limits:\n  swap: 1g\n", "limits.swap"), ("reserve_memory: half\n", "reserve_memory")] {
            try writeConfig(demo, config)
            let result = try demo.cilo(["up", "a"])
            #expect(result.status == 1, "\(config)")
            Integration.expectOneLineError(result, mentioning: [key])
        }
        try writeConfig(demo, "")
        let variable = try demo.cilo(["up", "a"], environment: ["CILO_MAX_ENVIRONMENTS": "x"])
        Integration.expectOneLineError(variable, mentioning: ["CILO_MAX_ENVIRONMENTS"])
        for flags in [["--memory", "3"], ["--cpus", "0"], ["--pids", "-1"], ["--wait", "-4"]] {
            let result = try demo.cilo(["up", "a"] + flags)
            #expect(result.status != 0, "\(flags)")
            #expect(result.err.contains(flags[0]), "\(flags): \(result.err)")
        }
        #expect(try demo.list().isEmpty)
    }

    @Test("limits: apply to every service that sets none, flags over the config, visible in docker inspect",
          .enabled(if: Integration.canRun(needing: tools)))
    func defaultLimits() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              app:
                image: cilo-test/busybox
                command: ["sleep", "600"]
              own:
                image: cilo-test/busybox
                command: ["sleep", "600"]
                mem_limit: 40m
            """)
        defer { demo.tearDown() }
        try writeConfig(demo, "limits:\n  memory: 64m\n  cpus: 0.5\n  pids: 100\n")
        #expect(try demo.cilo(["up", "a"]).status == 0)
        let inspect = { (service: String, env: String) throws -> String in
            try Integration.check(["docker", "inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}",
                                   "cilo_\(demo.project)_\(env)-\(service)-1"]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try inspect("app", "a") == "\(64 << 20) 500000000 100")
        #expect(try inspect("own", "a") == "\(40 << 20) 500000000 100", "the service's own memory limit is kept")
        #expect(try demo.cilo(["up", "b", "--memory", "48m", "--pids", "64"]).status == 0)
        #expect(try inspect("app", "b") == "\(48 << 20) 500000000 64")
        // Kept for the environment's later starts.
        #expect(try demo.cilo(["down", "b"]).status == 0)
        #expect(try demo.cilo(["up", "b"]).status == 0)
        #expect(try inspect("app", "b") == "\(48 << 20) 500000000 64")
    }

    @Test("memory kills: a service killed at start fails up at once; one whose child is killed is reported by status, doctor and stats",
          .enabled(if: Integration.canRun(needing: tools)))
    func memoryKillsAreReported() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              hog:
                image: cilo-test/busybox
                restart: always
                command: ["sh", "-c", "exec tail /dev/zero"]
                # up waits for health (a service without a check is ready the moment it runs,
                # before its memory runs out); tail passes 16 MiB long before the first check.
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 2s
            """)
        defer { demo.tearDown() }
        try writeConfig(demo, "limits:\n  memory: 16m\n")
        let started = Date()
        let failed = try demo.cilo(["up", "a", "--timeout", "120"])
        #expect(failed.status == 1)
        #expect(failed.err.contains("hog") && failed.err.contains("lack of memory"), "\(failed.err)")
        #expect(Date().timeIntervalSince(started) < 90, "reported, not waited on until the timeout")

        try """
            services:
              app:
                image: cilo-test/busybox
                command: ["sleep", "600"]
            """.write(toFile: demo.directory + "/docker-compose.yml", atomically: true, encoding: .utf8)
        #expect(try demo.cilo(["up", "b"]).status == 0)
        // A child eats memory and is killed; the service itself keeps running.
        let child = try demo.cilo(["exec", "b", "app", "--", "sh", "-c", "head -c 200000000 /dev/zero | tail"])
        #expect(child.status != 0)
        let status = try demo.cilo(["status", "b", "--json"])
        let record = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        let app = try #require((record["services"] as? [[String: Any]])?.first { $0["name"] as? String == "app" })
        #expect(app["oomKilled"] as? Bool == true, "\(app)")
        #expect((app["oomKills"] as? Int ?? 0) >= 1)
        #expect(app["restartCount"] as? Int == 0)
        #expect(app["memoryLimit"] as? Int == 16 << 20)
        let listed = try #require(try demo.list().first { $0["name"] as? String == "b" })
        #expect(((listed["services"] as? [[String: Any]])?.first?["oomKilled"] as? Bool) == true)
        let doctor = try demo.cilo(["doctor"])
        #expect(doctor.out.contains("app") && doctor.out.contains("killed for lack of memory"), "\(doctor.out)")
        let stats = try demo.cilo(["stats", "b"])
        #expect(stats.out.contains("/ 16.0 MiB"), "\(stats.out)")
    }

    @Test("run --rm keeps the command's exit status and removes the environment, after a signal too",
          .enabled(if: Integration.canRun(needing: tools)))
    func runRemoves() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: Self.sleeper)
        defer { demo.tearDown() }
        let exited = try demo.cilo(["run", "--rm", "sh", "once", "-c", "test -n \"$CILO_ENV\" && exit 3"])
        #expect(exited.status == 3, "\(exited.err)")
        #expect(try demo.list().isEmpty)
        let missing = try demo.cilo(["run", "--rm", "no-such-command-here", "gone"])
        #expect(missing.status == 127)
        #expect(try demo.list().isEmpty)

        // Ctrl-C: the whole process group gets SIGINT, as from a terminal.
        // A process group of its own, led by cilo (as a shell's job is), so the group gets the signal.
        let process = ciloProcess(demo, ["run", "--rm", "sh", "interrupted", "-c", "touch started; exec sleep 60"],
                                  prefix: ["/usr/bin/python3", "-c", "import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])"])
        try process.run()
        let marker = demo.home + "/envs/\(demo.project)/interrupted/started"
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: marker) { Thread.sleep(forTimeInterval: 0.1) }
        #expect(FileManager.default.fileExists(atPath: marker))
        kill(-process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT,
                "cilo ends as the command did: \(process.terminationReason) \(process.terminationStatus)")
        #expect(try demo.list().isEmpty)
        #expect(try demo.leftovers().isEmpty)
    }

    @Test("Ctrl-C while waiting leaves the line cleanly", .enabled(if: Integration.canRun(needing: tools)))
    func leavingTheLine() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: Self.sleeper)
        defer { demo.tearDown() }
        try writeConfig(demo, "max_environments: 1\n")
        #expect(try demo.cilo(["up", "first"]).status == 0)
        let process = ciloProcess(demo, ["up", "second", "--wait"])
        // Standard error goes to a file the test reads while cilo runs: Ctrl-C comes once cilo says it waits.
        let errorFile = demo.home + "/../second.err"
        FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        try process.run()
        let queue = demo.home + "/admission"
        func said() -> String { (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? "" }
        for _ in 0..<600 where !said().contains("in line") { Thread.sleep(forTimeInterval: 0.05) }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: queue)) ?? []).count == 1, "in line")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let said = said()
        #expect(process.terminationStatus == 130, "\(said)")
        #expect(said.contains("1st in line"), "\(said)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: queue)) ?? []).isEmpty, "its ticket is gone")
        #expect(try demo.list().map { $0["name"] as? String } == ["first"])
    }

    @Test("prune removes what its filters name, leaves a busy environment alone, and images no environment uses",
          .enabled(if: Integration.canRun(needing: tools)))
    func prune() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              app:
                build: ./app
                command: ["sleep", "600"]
            """)
        defer { demo.tearDown() }
        try FileManager.default.createDirectory(atPath: demo.directory + "/app", withIntermediateDirectories: true)
        try "FROM cilo-test/busybox\nRUN echo one > /built\n".write(toFile: demo.directory + "/app/Dockerfile", atomically: true, encoding: .utf8)
        #expect(try demo.cilo(["up", "running"]).status == 0)
        #expect(try demo.cilo(["create", "idle"]).status == 0)
        #expect(try demo.cilo(["create", "busy"]).status == 0)
        let images = { try Integration.check(["docker", "image", "ls", "-q", "--filter", "label=dev.cilo.project=\(demo.project)"]) }
        #expect(!(try images()).isEmpty)

        let dry = try demo.cilo(["prune", "--stopped", "--dry-run"])
        #expect(dry.out.contains("would remove \(demo.project)/idle") && dry.out.contains("/busy"), "\(dry.out)")
        #expect(try demo.list().count == 3, "a dry run removes nothing")
        // Another cilo holds busy's lock (as a create in flight does): prune leaves it alone.
        let lock = demo.home + "/locks/\(demo.project)/busy.lock"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [lock, "sleep", "30"]
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        // Held once a non-blocking flock of the same file is refused.
        for _ in 0..<600 where Integration.spawnAndWait(["flock", "-n", "-E", "75", lock, "true"]) != 75 { Thread.sleep(forTimeInterval: 0.05) }
        let pruned = try demo.cilo(["prune", "--stopped"])
        #expect(pruned.status == 0, "\(pruned.err)")
        #expect(pruned.out.contains("removed \(demo.project)/idle"), "\(pruned.out)")
        #expect(pruned.out.contains("kept \(demo.project)/busy"), "\(pruned.out)")
        holder.terminate()
        holder.waitUntilExit()
        #expect(Set(try demo.list().compactMap { $0["name"] as? String }) == ["running", "busy"])

        let old = try demo.cilo(["prune", "--older-than", "1s"])
        #expect(old.status == 0 && old.out.contains("removed \(demo.project)/running"), "\(old.out)")
        #expect(try demo.list().isEmpty)
        // destroy removed the images with the last environment; one built by hand is cilo's and unused.
        try Integration.check(["docker", "build", "-q", "-t", "cilo-build/\(demo.project)-app:stale", "--label", "dev.cilo.built=true",
                               "--label", "dev.cilo.project=\(demo.project)", demo.directory + "/app"])
        let bare = try demo.cilo(["prune"])
        #expect(bare.out.contains("removed image cilo-build/\(demo.project)-app:stale"), "\(bare.out)")
        #expect(try images().isEmpty)
        let bad = try demo.cilo(["prune", "--older-than", "5x"])
        #expect(bad.status != 0 && bad.err.contains("--older-than"))
    }
}
