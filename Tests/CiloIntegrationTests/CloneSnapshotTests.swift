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
}
