import Foundation
import Testing

/// Volumes in cilo's home, fork, checkpoints, restore and reset with a real Docker engine and
/// Compose, on btrfs (snapshots), XFS (reflinks) and ext4 (copies), under Compose v2 and v1.
@Suite("Forks and checkpoints on real file systems", .serialized)
struct ForkTests {
    static let tools = ["docker", "docker-compose", "mkfs.btrfs", "mkfs.xfs", "mkfs.ext4"]

    /// A writer that appends to its volume without end (bounded), and a volume the image fills.
    static let compose = """
        services:
          db:
            image: cilo-test/busybox
            init: true
            command: ["sh", "-c", "i=0; while [ $$i -lt 1000000 ]; do echo $$i >> /data/log; echo $$i >> /state/log; i=$$((i+1)); usleep 20000; done"]
            volumes:
              - data:/data
              - tools:/bin
              - ./state:/state
        volumes:
          data:
          tools:

        """

    /// How each file system copies workspaces and volumes in these tests.
    struct Case: Sendable, CustomStringConvertible {
        var fs: LoopFileSystem.Kind
        var compose: String
        /// The strategy a volume's copy must report.
        var volumeStrategies: Set<String>
        var description: String { "\(fs) with \(compose)" }
    }

    static let cases = [
        Case(fs: .btrfs, compose: "docker compose", volumeStrategies: ["snapshot"]),
        Case(fs: .xfs, compose: "docker compose", volumeStrategies: ["reflink"]),
        Case(fs: .ext4, compose: "docker compose", volumeStrategies: ["copy-range", "copy"]),
        Case(fs: .ext4, compose: "docker-compose", volumeStrategies: ["copy-range", "copy"]),
        Case(fs: .btrfs, compose: "docker-compose", volumeStrategies: ["snapshot"]),
    ]

    /// A demo project and cilo home on a loop file system of `kind` (on btrfs the project is a subvolume).
    static func project(on fs: LoopFileSystem, compose: String) throws -> DemoEnvironment {
        let demo = try DemoEnvironment(composeOverride: Self.compose, under: fs.mountPoint, compose: compose)
        if fs.kind == .btrfs {
            let converted = try demo.cilo(["subvolume", "--delete-old"])
            #expect(converted.status == 0, "\(converted.err)")
        }
        return demo
    }

    static func exec(_ demo: DemoEnvironment, _ env: String, _ script: String) throws -> (status: Int32, out: String, err: String) {
        try demo.cilo(["exec", env, "db", "sh", "-c", script])
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("fork, checkpoint, restore and reset: data and files copied at one instant, never shared, the source never left frozen",
          .enabled(if: Integration.canRun(needing: tools)), arguments: cases)
    func lifecycle(_ testCase: Case) throws {
        try Integration.require(Self.tools + [testCase.compose == "docker-compose" ? "docker-compose" : "docker"])
        let fs = try LoopFileSystem(testCase.fs, sizeMiB: 700)
        defer { fs.tearDown() }
        let demo = try Self.project(on: fs, compose: testCase.compose)
        defer { demo.tearDown() }
        // On XFS the workspace is a reflink clone (auto would make an overlay, as on ext4).
        if testCase.fs == .xfs { #expect(try demo.cilo(["create", "a1", "--strategy", "reflink"]).status == 0) }
        let up = try demo.cilo(["up", "a1"])
        try #require(up.status == 0, "\(up.err)")
        let home = demo.home
        let volumes = home + "/volumes/\(demo.project)/a1"
        #expect(FileManager.default.fileExists(atPath: volumes + "/tools/busybox"), "the image's content at the mount point is copied into the volume")
        #expect(try Self.exec(demo, "a1", "echo one > /data/marker").status == 0)
        try "the agent's\n".write(toFile: home + "/envs/\(demo.project)/a1/notes.txt", atomically: true, encoding: .utf8)

        let forked = try demo.cilo(["fork", "a1", "b1", "--json"])
        try #require(forked.status == 0, "\(forked.err)")
        let report = try #require(try Self.json(forked.out)["fork"] as? [String: Any])
        let strategies = Set((report["volumes"] as? [[String: Any]] ?? []).compactMap { $0["strategy"] as? String })
        #expect(strategies.isSubset(of: testCase.volumeStrategies) && !strategies.isEmpty, "\(strategies)")
        #expect((report["pausedSeconds"] as? Double ?? 0) > 0, "the running writer was frozen for the copy")
        #expect(try Self.exec(demo, "b1", "cat /data/marker").out == "one\n")
        // One instant: the writer appends to its volume, then to a workspace folder it mounts; in a
        // fork not started, the two copies differ by one line at most.
        try #require(try demo.cilo(["fork", "a1", "b2", "--no-up"]).status == 0)
        func lines(_ path: String) -> Int { ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count }
        let volumeLines = lines(home + "/volumes/\(demo.project)/b2/data/log")
        let boundLines = lines(home + "/envs/\(demo.project)/b2/state/log")
        #expect(volumeLines > 0 && volumeLines - boundLines >= 0 && volumeLines - boundLines <= 1, "volume \(volumeLines) lines, bound folder \(boundLines)")
        if testCase.fs == .btrfs {
            // A fork nothing wrote to yet shares every extent and every metadata leaf with its source.
            let measured = try JSONSerialization.jsonObject(with: Data(try demo.cilo(["du", "b2", "--json"]).out.utf8)) as? [[String: Any]]
            let exclusive = try #require(measured?.first?["exclusiveBytes"] as? Int)
            #expect(exclusive < 512 << 10, "a fresh fork holds \(exclusive) bytes of its own")
        }
        #expect(FileManager.default.fileExists(atPath: home + "/envs/\(demo.project)/b1/notes.txt"))
        #expect(try Self.exec(demo, "b1", "echo fork > /data/only-fork").status == 0)
        #expect(try Self.exec(demo, "a1", "test -e /data/only-fork").status != 0, "a write in the fork never shows in the source")
        let paused = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "status=paused"])
        #expect(paused.isEmpty, "nothing is left frozen")
        let log = try Self.exec(demo, "a1", "wc -l < /data/log; sleep 1; wc -l < /data/log").out.split(separator: "\n")
        #expect(log.count == 2 && log[0] != log[1], "the source's writer runs on")

        #expect(try demo.cilo(["checkpoint", "a1", "cp"]).status == 0)
        #expect(try Self.exec(demo, "a1", "rm /data/marker").status == 0)
        try FileManager.default.removeItem(atPath: home + "/envs/\(demo.project)/a1/notes.txt")
        let restored = try demo.cilo(["restore", "a1", "cp"])
        try #require(restored.status == 0, "\(restored.err)")
        #expect(try Self.exec(demo, "a1", "cat /data/marker").out == "one\n", "the volume is back")
        #expect(FileManager.default.fileExists(atPath: home + "/envs/\(demo.project)/a1/notes.txt"), "the workspace is back")
        let listed = try demo.cilo(["checkpoints", "a1", "--json"])
        let names = (try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("cp") && names.contains { $0.hasPrefix("replaced-") }, "\(names)")
        if testCase.fs != .btrfs {
            // ext4 (no copy-on-write) and XFS with a reflink workspace (every file cloned again): the
            // first up's state is not copied behind the user's back.
            #expect(!names.contains("initial"))
            Integration.expectOneLineError(try demo.cilo(["reset", "a1"]), mentioning: ["no checkpoint 'initial'", "cilo checkpoint a1 initial"])
        } else {
            #expect(names.contains("initial"), "\(names)")
            let reset = try demo.cilo(["reset", "a1", "--discard"])
            try #require(reset.status == 0, "\(reset.err)")
            #expect(try Self.exec(demo, "a1", "test -e /data/marker").status != 0, "reset is the first up's state: before the marker")
            #expect(!FileManager.default.fileExists(atPath: home + "/envs/\(demo.project)/a1/notes.txt"))
        }

        let measured = try JSONSerialization.jsonObject(with: Data(try demo.cilo(["du", "a1", "--json"]).out.utf8)) as? [[String: Any]]
        let disk = try #require(measured?.first)
        #expect(disk["volumeExclusiveBytes"] != nil && disk["checkpointExclusiveBytes"] != nil, "du counts volumes and checkpoints")

        #expect(try demo.cilo(["destroy", "--all", "--force"]).status == 0)
        for area in ["volumes", "checkpoints", "envs"] {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: home + "/\(area)/\(demo.project)")) ?? []
            #expect(left.isEmpty, "\(area) left: \(left)")
        }
        #expect(try demo.leftovers().isEmpty)
    }

    @Test("bad fork input: one line each, nothing made", .enabled(if: Integration.canRun(needing: ["docker"])))
    func refusals() throws {
        try Integration.require(["docker"])
        let demo = try DemoEnvironment(composeOverride: Self.compose)
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "a1"]).status == 0)
        Integration.expectOneLineError(try demo.cilo(["fork", "nope", "b1"]), mentioning: ["no environment 'nope'"])
        Integration.expectOneLineError(try demo.cilo(["fork", "a1", "a1"]), mentioning: ["into itself"])
        Integration.expectOneLineError(try demo.cilo(["fork", "a1", "Bad_Name"]), mentioning: ["invalid environment name"])
        Integration.expectOneLineError(try demo.cilo(["restore", "a1", "nope"]), mentioning: ["no checkpoint 'nope'"])
        Integration.expectOneLineError(try demo.cilo(["create", "b2", "--fork", "a1", "--from", "/tmp"]), mentioning: ["--fork"])
        let names = try demo.list().compactMap { $0["name"] as? String }
        #expect(names == ["a1"])
        // The other ways in: create --fork and run --fork.
        #expect(try demo.cilo(["create", "b1", "--fork", "a1"]).status == 0)
        let ran = try demo.cilo(["run", "--fork", "a1", "sh", "b2", "-c", "test -n \"$CILO_ENV\""])
        #expect(ran.status == 0, "\(ran.err)")
        let forked = try demo.list().filter { ($0["name"] as? String)?.hasPrefix("b") == true }.count
        #expect(forked == 2)
    }

    @Test("a named volume the workspace binds to a host folder is refused at up: the marker never appears",
          .enabled(if: Integration.canRun(needing: ["docker"])))
    func boundVolumeIsAHostPower() throws {
        try Integration.require(["docker"])
        let demo = try DemoEnvironment(composeOverride: Self.compose)
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "a1"]).status == 0)
        let target = try Integration.temporaryDirectory("bound-volume-target")
        defer { Integration.removeTemporary(target) }
        let workspace = demo.home + "/envs/\(demo.project)/a1"
        let evil = Self.compose.replacingOccurrences(of: "      - tools:/bin\n", with: "      - tools:/bin\n      - host:/host\n")
            .replacingOccurrences(of: "volumes:\n  data:\n", with: "volumes:\n  data:\n  host:\n    driver_opts: {type: none, o: bind, device: \(target)}\n")
            .replacingOccurrences(of: "echo $$i >> /data/log", with: "echo $$i >> /data/log; touch /host/marker")
        try evil.write(toFile: workspace + "/docker-compose.yml", atomically: true, encoding: .utf8)
        let refused = try demo.cilo(["up", "a1", "--recreate"])
        #expect(refused.status != 0 && refused.err.contains("volume host: bind \(target)"), "\(refused.err)")
        usleep(500_000)
        #expect(!FileManager.default.fileExists(atPath: target + "/marker"))
    }

    @Test("an environment made before volumes lived in the home keeps Docker's, says how to move them, and a down and up moves them with their data",
          .enabled(if: Integration.canRun(needing: ["docker"])))
    func olderEnvironmentMoves() throws {
        try Integration.require(["docker"])
        let demo = try DemoEnvironment(composeOverride: Self.compose)
        defer { demo.tearDown() }
        #expect(try demo.cilo(["create", "old"]).status == 0)
        // As a cilo before volumes lived in the home wrote it: no volumeFolder.
        let state = demo.home + "/state/\(demo.project)/old.json"
        var record = try Self.json(try String(contentsOfFile: state, encoding: .utf8))
        record["volumeFolder"] = nil
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: state))
        // Its volume as such a cilo's compose made it: Docker's own, labelled, holding data.
        let volume = "cilo_\(demo.project)_old_data"
        let labels = ["dev.cilo.managed=true", "dev.cilo.project=\(demo.project)", "dev.cilo.env=old", "dev.cilo.home=\(demo.home)",
                      "com.docker.compose.project=cilo_\(demo.project)_old", "com.docker.compose.volume=data"]
        _ = try Integration.check(["docker", "volume", "create"] + labels.flatMap { ["--label", $0] } + [volume])
        _ = try Integration.check(["docker", "run", "--rm", "-v", "\(volume):/data", "cilo-test/busybox", "sh", "-c", "echo kept > /data/marker"])
        #expect(try demo.cilo(["status", "old"]).out.contains("cilo down old && cilo up old moves them"))
        Integration.expectOneLineError(try demo.cilo(["fork", "old", "new"]), mentioning: ["before cilo kept volumes in its home"])
        let moved = try demo.cilo(["up", "old"])
        try #require(moved.status == 0, "\(moved.err)")
        #expect(moved.err.contains("moved into cilo's home"))
        #expect((try? String(contentsOfFile: demo.home + "/volumes/\(demo.project)/old/data/marker", encoding: .utf8)) == "kept\n")
        #expect(try Self.exec(demo, "old", "cat /data/marker").out == "kept\n", "the service sees its data where it was")
        #expect(try demo.cilo(["fork", "old", "new"]).status == 0)
        #expect(try Self.exec(demo, "new", "cat /data/marker").out == "kept\n")
    }
}
