#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import CiloSystem
import Foundation
import SystemPackage
import Testing

/// btrfs subvolume snapshots: `auto` takes them when it can, `snapshot` insists on them.
@Suite("Clone by btrfs snapshot", .serialized)
struct CloneSnapshotTests {
    @Test("auto snapshots a subvolume root on the same btrfs", .enabled(if: Integration.canRun(needing: ["mkfs.btrfs", "btrfs"])))
    func autoSnapshotsSubvolume() throws {
        try Integration.require(["mkfs.btrfs", "btrfs"])
        let fs = try LoopFileSystem(.btrfs)
        defer { fs.tearDown() }
        try Integration.check(["btrfs", "-q", "subvolume", "create", fs.path("src")])
        try FidelityTree.build(at: fs.path("src"), withSpecialFiles: false)

        let report = try CloneEngine(options: CloneOptions(strategy: .auto))
            .clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        #expect(report.strategy == "snapshot")
        #expect(report.files == nil, "a snapshot does not walk the tree")
        let destination = try PathOpening.openDirectory(Array(fs.path("dst").utf8))
        defer { destination.closeIgnoringErrors() }
        #expect(try BtrfsSubvolume.isSubvolumeRoot(destination))
        let problems = try TreeSnapshot(of: fs.path("src")).differences(from: TreeSnapshot(of: fs.path("dst")), checkSparse: true)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")

        // An empty existing destination is replaced by the snapshot.
        try FileManager.default.createDirectory(atPath: fs.path("empty-target"), withIntermediateDirectories: false)
        let second = try CloneEngine(options: CloneOptions(strategy: .snapshot))
            .clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("empty-target")))
        #expect(second.strategy == "snapshot")

        // The remover deletes a snapshot workspace as a subvolume.
        let parent = try PathOpening.openDirectory(Array(fs.mountPoint.utf8))
        defer { parent.closeIgnoringErrors() }
        try TreeRemover.remove(FileName("dst"), in: parent)
        #expect(!FileManager.default.fileExists(atPath: fs.path("dst")))
    }

    @Test("auto falls back to reflink when the source is a plain directory", .enabled(if: Integration.canRun(needing: ["mkfs.btrfs"])))
    func autoFallsBackToReflink() throws {
        try Integration.require(["mkfs.btrfs"])
        let fs = try LoopFileSystem(.btrfs)
        defer { fs.tearDown() }
        try FileManager.default.createDirectory(atPath: fs.path("src"), withIntermediateDirectories: false)
        try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: fs.path("src/data")))
        let report = try CloneEngine().clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        #expect(report.strategy == "reflink")
        #expect(report.cloned == 1)
    }

    @Test("--strategy snapshot refuses a source that is not a subvolume and leaves nothing",
          .enabled(if: Integration.canRun(needing: ["mkfs.btrfs"])))
    func strictSnapshotRefusesPlainDirectory() throws {
        try Integration.require(["mkfs.btrfs"])
        let fs = try LoopFileSystem(.btrfs)
        defer { fs.tearDown() }
        try FileManager.default.createDirectory(atPath: fs.path("src"), withIntermediateDirectories: false)
        #expect {
            try CloneEngine(options: CloneOptions(strategy: .snapshot))
                .clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        } throws: { error in
            (error as? CiloError)?.message.contains("not the root of a btrfs subvolume") == true
        }
        #expect(!FileManager.default.fileExists(atPath: fs.path("dst")))
    }

    @Test("cilo subvolume turns a folder into a subvolume in place, every property kept; later clones are snapshots",
          .enabled(if: Integration.canRun(needing: ["mkfs.btrfs"])))
    func convertFolderToSubvolume() throws {
        try Integration.require(["mkfs.btrfs"])
        let fs = try LoopFileSystem(.btrfs)
        defer { fs.tearDown() }
        let project = fs.path("project")
        try FileManager.default.createDirectory(atPath: project + "/tree", withIntermediateDirectories: true)
        try FidelityTree.build(at: project + "/tree", withSpecialFiles: false)
        let before = try TreeSnapshot(of: project)

        let converted = try Integration.cilo(["subvolume", project, "--delete-old"])
        #expect(converted.status == 0, "\(converted.err)")
        #expect(converted.out.contains("is now a btrfs subvolume"))
        let folder = try PathOpening.openDirectory(Array(project.utf8))
        defer { folder.closeIgnoringErrors() }
        #expect(try BtrfsSubvolume.isSubvolumeRoot(folder))
        let problems = try before.differences(from: TreeSnapshot(of: project), checkSparse: true)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let siblings = try FileManager.default.contentsOfDirectory(atPath: fs.mountPoint).filter { $0.contains("cilo") }
        #expect(siblings.isEmpty, "--delete-old leaves nothing beside it: \(siblings)")
        let again = try Integration.cilo(["subvolume", project])
        #expect(again.status == 0 && again.out.contains("already is a btrfs subvolume"), "\(again.out)")

        let report = try CloneEngine().clone(source: BytePath(project), destination: BytePath(fs.path("agent-1")))
        #expect(report.strategy == "snapshot")

        // Kept by default; refused while an old copy is in the way, and on a file system without subvolumes.
        let second = fs.path("second")
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: false)
        try "x".write(toFile: second + "/file", atomically: true, encoding: .utf8)
        #expect(try Integration.cilo(["subvolume", second]).status == 0)
        #expect(FileManager.default.fileExists(atPath: fs.path(".second.cilo-old/file")), "the old folder is kept")
        try FileManager.default.createDirectory(atPath: fs.path("third"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: fs.path(".third.cilo-old"), withIntermediateDirectories: false)
        Integration.expectOneLineError(try Integration.cilo(["subvolume", fs.path("third")]), mentioning: ["is in the way"])
        #expect(!FileManager.default.fileExists(atPath: fs.path(".third.cilo-subvolume")), "nothing half-made")
        // A socket cannot be cloned, so the folder cannot be replaced without losing it.
        try FileManager.default.createDirectory(atPath: fs.path("fourth"), withIntermediateDirectories: false)
        _ = try Integration.check(["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", fs.path("fourth/agent.sock")])
        Integration.expectOneLineError(try Integration.cilo(["subvolume", fs.path("fourth")]), mentioning: ["sockets or devices", "nothing was changed"])
        #expect(FileManager.default.fileExists(atPath: fs.path("fourth/agent.sock")))
        #expect(!FileManager.default.fileExists(atPath: fs.path(".fourth.cilo-subvolume")), "nothing half-made")
        let plain = try Integration.temporaryDirectory("not-btrfs")
        defer { Integration.removeTemporary(plain) }
        Integration.expectOneLineError(try Integration.cilo(["subvolume", plain]), mentioning: ["not btrfs"])
    }
}
