import Foundation
import Testing

/// Something else writes while cilo reads or removes: git packing objects after a large
/// commit, an agent's process still at work. Ordinary days, never a failure.
@Suite("Concurrent writers are normal", .serialized)
struct ConcurrentWritersTests {
    static let tools = ["git", "python3"]

    private func sh(_ script: String, in directory: String) throws {
        let result = try Integration.run(["sh", "-c", script], directory: directory)
        guard result.status == 0 else { throw IntegrationError.commandFailed("\(script): \(result.err)") }
    }

    /// Writes `count` new files under `prefix` folders in `directory` and commits them (git then
    /// packs its loose objects in the background: `gc --auto` detaches past 6,700).
    private func commitMany(_ count: Int, prefix: String, in directory: String) throws {
        try sh("""
            python3 -c '
            import os, sys
            for i in range(\(count)):
                folder = "\(prefix)%d" % (i % 200)
                os.makedirs(folder, exist_ok=True)
                open("%s/f%d.txt" % (folder, i), "w").write("\(prefix) %d\\n" % i)
            '
            git add -A && git -c user.email=a@a -c user.name=a -c gc.autoDetach=true commit -qm '\(prefix)'
            """, in: directory)
    }

    @Test("a 20,000-file commit (git packing in the background) then create; an agent's commit then merge --apply and destroy: all succeed, git fsck passes",
          .enabled(if: Integration.canRun(needing: tools)))
    func gitPackingUnderCilo() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("concurrent-gc")
        defer { Integration.removeTemporary(root) }
        let project = root + "/source"
        try FileManager.default.createDirectory(atPath: project + "/.cilo", withIntermediateDirectories: true)
        try sh("""
            echo 'project: packing' > .cilo/config.yml
            printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml
            git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm base
            """, in: project)
        let environment = ["CILO_HOME": root + "/home"]
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: project)
        }
        for (index, strategy) in ["copy", "overlay"].enumerated() {
            try commitMany(20_000, prefix: "s\(index)-", in: project)
            let created = try cilo(["create", "c\(index)", "--strategy", strategy])
            #expect(created.status == 0, "\(strategy): \(created.err)")
            let workspace = root + "/home/envs/packing/c\(index)"
            let fsck = try Integration.run(["git", "-C", workspace, "fsck", "--connectivity-only"])
            #expect(fsck.status == 0, "\(strategy): \(fsck.err)")

            try commitMany(20_000, prefix: "a\(index)-", in: workspace)
            try sh("echo uncommitted > a\(index)-0/extra.txt", in: workspace)
            let during = try cilo(["diff", "c\(index)", "--name-only"])
            #expect(during.status == 0, "\(strategy): \(during.err)")
            // The same answer once git's packing is over (gc.pid goes with it; bounded at 60 s).
            for _ in 0..<600 where FileManager.default.fileExists(atPath: workspace + "/.git/gc.pid") { Thread.sleep(forTimeInterval: 0.1) }
            let later = try cilo(["diff", "c\(index)", "--name-only"])
            #expect(later.out == during.out && during.out.split(separator: "\n").count == 20_001, "\(strategy): \(during.out.count) vs \(later.out.count)")
            let applied = try cilo(["merge", "c\(index)", "--apply"])
            #expect(applied.status == 0, "\(strategy): \(applied.err)")
            #expect(FileManager.default.fileExists(atPath: project + "/a\(index)-7/f7.txt"), "the agent's files landed")
            let after = try Integration.run(["git", "-C", workspace, "fsck", "--connectivity-only"])
            #expect(after.status == 0, "\(strategy): \(after.err)")
            let destroyed = try cilo(["destroy", "c\(index)", "--force"])
            #expect(destroyed.status == 0, "\(strategy): \(destroyed.err)")
            #expect(try cilo(["list", "--json"]).out.contains("\"c\(index)\"") == false, "nothing left destroying")
            try sh("git clean -qfd && git reset -q --hard", in: project)
        }
    }

    @Test("destroy of a workspace a process still writes to finishes: the record goes, the leftovers go to the trash, doctor reports and --fix removes them",
          .enabled(if: Integration.canRun(needing: ["python3"])))
    func destroyWhileWritten() throws {
        try Integration.require(["python3"])
        let root = try Integration.temporaryDirectory("concurrent-destroy")
        defer { Integration.removeTemporary(root) }
        let project = root + "/source"
        try FileManager.default.createDirectory(atPath: project + "/.cilo", withIntermediateDirectories: true)
        try sh("echo 'project: written' > .cilo/config.yml && printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml", in: project)
        let environment = ["CILO_HOME": root + "/home"]
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: project)
        }
        #expect(try cilo(["create", "w1", "--strategy", "copy"]).status == 0)
        let workspace = root + "/home/envs/written/w1"
        // A writer that makes files as fast as it can in the workspace for 4 s (bounded), from its own folder.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = ["python3", "-c", """
            import os, time
            end = time.time() + 4
            i = 0
            while time.time() < end:
                try:
                    os.makedirs("out/d%d" % (i % 50), exist_ok=True)
                    open("out/d%d/f%d" % (i % 50, i), "w").close()
                except OSError:
                    pass
                i += 1
            """]
        // Relative to its working folder, the workspace: it follows the folder wherever it is moved.
        writer.currentDirectoryURL = URL(fileURLWithPath: workspace)
        try writer.run()
        // Destroyed while the writer is writing: once its first files are there.
        for _ in 0..<600 where ((try? FileManager.default.contentsOfDirectory(atPath: workspace + "/out")) ?? []).isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let destroyed = try cilo(["destroy", "w1", "--force"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        #expect(!FileManager.default.fileExists(atPath: root + "/home/state/written/w1.json"), "the record is gone")
        writer.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: workspace))
        // What a writer kept filling went to the trash (whether this one outran the remover is
        // the scheduler's call): a folder left there is reported, and --fix removes it.
        try FileManager.default.createDirectory(atPath: root + "/home/trash/left-1/deep", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/home/trash/left-1/deep/file", contents: Data("x".utf8))
        let doctor = try cilo(["doctor", "--json"])
        #expect(doctor.out.contains("\"trash\"") && doctor.out.contains("still written to"), "doctor names the trash: \(doctor.out)")
        _ = try cilo(["doctor", "--fix"])
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root + "/home/trash")) ?? []).isEmpty, "nothing left in the trash")
    }
}
