import Foundation
import Testing

/// `cilo doctor` on a real Docker engine: what it finds, what --fix repairs, what it must not touch.
@Suite("Doctor on a real Docker engine", .serialized)
struct DoctorTests {
    private func findings(_ result: (status: Int32, out: String, err: String)) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any], "\(result.err)")
        return object["findings"] as? [[String: Any]] ?? []
    }

    private func about(_ findings: [[String: Any]], _ subject: String) -> [[String: Any]] {
        findings.filter { $0["subject"] as? String == subject }
    }

    /// Holds an environment's lock from another process, as a running cilo would; returns that process.
    private func holdLock(_ path: String) throws -> Process {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(120)", path]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        _ = output.fileHandleForReading.availableData  // "locked"
        return holder
    }

    /// Ends the lock holder (SIGKILL: the test runner's children may not heed SIGTERM).
    private func release(_ holder: Process) {
        if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }
        holder.waitUntilExit()
    }

    @Test("finds leftovers, stale and half-made records and damaged state; --fix repairs only this home's, never a busy environment",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func findsAndFixes() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let project = demo.project
        let state = demo.home + "/state/\(project)"
        let foreignNetwork = "cilo-\(project)-foreign"
        defer { _ = try? Integration.run(["docker", "network", "rm", foreignNetwork]) }

        for env in ["kept", "lost", "stale", "broken"] { #expect(try demo.cilo(["up", env]).status == 0) }
        #expect(try demo.cilo(["create", "half"]).status == 0)
        let healthy = try demo.cilo(["doctor", "--json"])
        #expect(healthy.status == 0, "nothing wrong yet: \(healthy.out)")

        // Lost state: Docker objects, workspace and generated files of "lost" now belong to no record.
        try FileManager.default.removeItem(atPath: state + "/lost.json")
        // Containers removed behind cilo's back: "stale" is recorded running.
        _ = try Integration.check(["sh", "-c", "docker ps -aq --filter label=dev.cilo.project=\(project) --filter label=dev.cilo.env=stale | xargs -r docker rm -f"])
        // A create that died half-way.
        let halfPath = state + "/half.json"
        var half = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: halfPath))) as? [String: Any])
        half["status"] = "creating"
        try JSONSerialization.data(withJSONObject: half).write(to: URL(fileURLWithPath: halfPath))
        // A state file nobody can read (truncated): its environment may still hold work.
        try "{ not json".write(toFile: state + "/broken.json", atomically: true, encoding: .utf8)
        let brokenVolumes = "docker volume ls -q --filter label=dev.cilo.env=broken --filter label=dev.cilo.project=\(project)"
        #expect(try !Integration.check(["sh", "-c", brokenVolumes]).isEmpty)
        // Another home's network, and a workspace folder whose environment another cilo is busy with.
        _ = try Integration.check(["docker", "network", "create", "--label", "dev.cilo.managed=true", "--label", "dev.cilo.project=\(project)",
                                   "--label", "dev.cilo.env=foreign", "--label", "dev.cilo.home=/elsewhere/.cilo", foreignNetwork])
        try FileManager.default.createDirectory(atPath: demo.home + "/generated/\(project)/busy", withIntermediateDirectories: true)
        let holder = try holdLock(demo.home + "/locks/\(project)/busy.lock")
        defer { release(holder) }

        let examined = try demo.cilo(["doctor", "--json"])
        #expect(examined.status == 1, "problems were found")
        let found = try findings(examined)
        #expect(about(found, "\(project)/lost").compactMap { $0["fix"] as? String }.sorted()
                == ["delete the generated files", "remove its containers, volumes and networks"])
        #expect(about(found, "\(project)/lost").contains { ($0["message"] as? String ?? "").hasPrefix("a workspace folder") && $0["fix"] is NSNull },
                "the workspace may hold unsaved work: reported, not deleted")
        #expect(about(found, "\(project)/stale").contains { ($0["fix"] as? String) == "record the status as stopped" })
        #expect(about(found, "\(project)/half").contains { ($0["fix"] as? String) == "remove what the interrupted create or destroy left" })
        #expect(about(found, "\(project)/broken").contains { $0["check"] as? String == "state" && $0["severity"] as? String == "problem" })
        #expect(about(found, "\(project)/broken").allSatisfy { $0["fix"] is NSNull }, "nothing of a damaged environment is removed")
        #expect(about(found, "\(project)/busy").contains { ($0["fix"] as? String) == "delete the generated files" })
        #expect(about(found, "\(project)/foreign").isEmpty, "another home's objects are not ours to judge")
        #expect(about(found, "\(project)/kept").isEmpty)
        let human = try demo.cilo(["doctor"])
        #expect(human.out.contains("cilo doctor --fix repairs"), "\(human.out)")

        let repaired = try demo.cilo(["doctor", "--fix", "--json"])
        #expect(repaired.status == 1, "the busy environment is left alone, so a problem remains")
        let afterFix = try findings(repaired)
        let busy = about(afterFix, "\(project)/busy")
        #expect(busy.contains { $0["fixed"] as? Bool == false && ($0["fixError"] as? String ?? "").contains("another cilo is working") })
        #expect(FileManager.default.fileExists(atPath: demo.home + "/generated/\(project)/busy"))
        for subject in ["lost", "stale", "half", "broken"] {
            #expect(about(afterFix, "\(project)/\(subject)").allSatisfy { $0["fix"] is NSNull || $0["fixed"] as? Bool == true }, "\(subject)")
        }
        let lostObjects = try Integration.check(["sh", "-c", "docker ps -aq --filter label=dev.cilo.project=\(project) --filter label=dev.cilo.env=lost; docker network ls -q --filter label=dev.cilo.env=lost --filter label=dev.cilo.project=\(project); docker volume ls -q --filter label=dev.cilo.env=lost --filter label=dev.cilo.project=\(project)"])
        #expect(lostObjects.isEmpty, "lost's containers, networks and volumes are gone: \(lostObjects)")
        #expect(FileManager.default.fileExists(atPath: demo.home + "/envs/\(project)/lost"), "kept for a person to decide")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/generated/\(project)/lost"))
        #expect(!FileManager.default.fileExists(atPath: halfPath))
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(project)/half"))
        #expect(FileManager.default.fileExists(atPath: state + "/broken.json"), "the damaged state file stays for a person to restore")
        #expect(try !Integration.check(["sh", "-c", brokenVolumes]).isEmpty, "a damaged environment's volume is never an orphan")
        #expect(FileManager.default.fileExists(atPath: demo.home + "/envs/\(project)/broken"))
        let listed = try demo.list()
        #expect(Set(listed.compactMap { $0["name"] as? String }) == ["kept", "stale", "broken"])
        #expect(listed.first { $0["name"] as? String == "broken" }?["status"] as? String == "damaged")
        let brokenStatus = try demo.cilo(["status", "broken"])
        #expect(brokenStatus.status == 0 && brokenStatus.out.contains("damaged"), "\(brokenStatus.out)\(brokenStatus.err)")
        Integration.expectOneLineError(try demo.cilo(["up", "broken"]), mentioning: ["damaged"])
        #expect(try Integration.run(["docker", "network", "inspect", foreignNetwork]).status == 0, "another home's network is untouched")
        #expect(try demo.cilo(["exec", "kept", "worker", "--", "true"]).status == 0, "the healthy environment still runs")

        release(holder)
        // A person decides: destroy removes the damaged environment's objects, workspace and state.
        let destroyed = try demo.cilo(["destroy", "broken", "--force"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        #expect(try Integration.check(["sh", "-c", brokenVolumes]).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: state + "/broken.json"))
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(project)/broken"))
        let finished = try demo.cilo(["doctor", "--fix"])
        #expect(finished.status == 0, "\(finished.out)\(finished.err)")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/generated/\(project)/busy"))
        #expect(try demo.cilo(["doctor"]).status == 0)
    }

    @Test("on btrfs, doctor points at a project folder that is not a subvolume; cilo subvolume makes its environments snapshots",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools + ["mkfs.btrfs"])))
    func suggestsSubvolume() throws {
        try EnvironmentTests.requireDocker()
        let fs = try LoopFileSystem(.btrfs)
        defer { fs.tearDown() }
        let demo = try DemoEnvironment(under: fs.mountPoint)
        defer { demo.tearDown() }
        #expect(try demo.cilo(["create", "per-file"]).status == 0)
        let hinted = try findings(try demo.cilo(["doctor", "--json"]))
        #expect(about(hinted, demo.directory).contains { $0["check"] as? String == "clone" && $0["severity"] as? String == "warning" },
                "\(hinted)")

        let converted = try demo.cilo(["subvolume", "--delete-old"])
        #expect(converted.status == 0, "\(converted.err)")
        let created = try demo.cilo(["create", "snapshot"])
        #expect(created.status == 0 && created.out.contains("strategy     snapshot"), "\(created.out)\(created.err)")
        #expect(about(try findings(try demo.cilo(["doctor", "--json"])), demo.directory).isEmpty)
        #expect(try demo.cilo(["destroy", "--all", "--force"]).status == 0)
    }
}
