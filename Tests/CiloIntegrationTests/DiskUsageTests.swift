#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import CiloSystem
import Foundation
import SystemPackage
import Testing

/// `DiskUsage` against real extents on loop-mounted btrfs, XFS and ext4.
@Suite("Disk accounting on real file systems", .serialized)
struct DiskUsageTests {
    private static func makeTree(_ root: String, bigFileBytes: Int = 4 << 20) throws {
        try FileManager.default.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        let big = (0..<bigFileBytes).map { UInt8(truncatingIfNeeded: ($0 &* 7919) >> 3) }
        try Data(big).write(to: URL(fileURLWithPath: root + "/big.bin"))
        for index in 0..<20 {
            try Data((0..<(index * 9000)).map { UInt8(truncatingIfNeeded: $0 &+ index) }).write(
                to: URL(fileURLWithPath: root + "/sub/file\(index)"))
        }
        try Data("small".utf8).write(to: URL(fileURLWithPath: root + "/sub/deeper/small"))
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "big.bin")
        _ = try Integration.check(["sync"])
    }

    /// Overwrites `count` bytes at `offset` of `path` with new data and syncs it.
    private static func overwrite(_ path: String, offset: Int64, count: Int) throws {
        let file = try PathOpening.open(Array(path.utf8), flags: O_WRONLY)
        defer { file.closeIgnoringErrors() }
        try file.writeAll([UInt8](repeating: 0xEE, count: count), at: offset)
        _ = fsync(file.rawValue)
    }

    @Test("a reflinked clone costs ~0 exclusive bytes; rewriting 1 MiB costs ~1 MiB",
          .enabled(if: Integration.canRun(needing: ["mkfs.btrfs", "mkfs.xfs"])), arguments: [LoopFileSystem.Kind.btrfs, .xfs])
    func cloneThenRewrite(kind: LoopFileSystem.Kind) throws {
        try Integration.require([kind.tool])
        let fs = try LoopFileSystem(kind)
        defer { fs.tearDown() }
        try Self.makeTree(fs.path("src"))
        let report = try CloneEngine().clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        #expect(report.strategy == "reflink")
        _ = try Integration.check(["sync"])

        let fresh = try DiskUsage(jobs: 2).measure(BytePath(fs.path("dst")))
        #expect(fresh.filesystem == kind.rawValue)
        #expect(fresh.apparentBytes == (try DiskUsage().measure(BytePath(fs.path("src")))).apparentBytes)
        #expect(fresh.allocatedBytes >= 4 << 20)
        // Only inline data and directory blocks are the copy's own: far below 5% of the allocation.
        #expect(fresh.exclusiveBytes < fresh.allocatedBytes / 20, "exclusive \(fresh.exclusiveBytes) of \(fresh.allocatedBytes)")
        #expect(fresh.sharedBytes == fresh.allocatedBytes - (fresh.exclusiveBytes - fresh.metadataBytes))
        #expect(fresh.metadataBytes > 0, "a clone's inodes and entries are its own")

        try Self.overwrite(fs.path("dst/big.bin"), offset: 1 << 20, count: 1 << 20)
        let edited = try DiskUsage(jobs: 2).measure(BytePath(fs.path("dst")))
        let growth = edited.exclusiveBytes - fresh.exclusiveBytes
        #expect(growth >= 1 << 20 && growth <= (1 << 20) + (128 << 10), "exclusive grew by \(growth)")
        if kind == .xfs {
            // XFS counts references per block: the source's copy of that range is its own now.
            // (btrfs counts per extent: the source's 4 MiB extent stays shared while the clone
            // still references any part of it, so its exclusive bytes do not move.)
            let source = try DiskUsage(jobs: 2).measure(BytePath(fs.path("src")))
            #expect(source.exclusiveBytes >= 1 << 20)
        }
    }

    @Test("on btrfs, exclusive data bytes agree with `btrfs filesystem du` (which counts no metadata) within 1%",
          .enabled(if: Integration.canRun(needing: ["mkfs.btrfs", "btrfs"])))
    func agreesWithBtrfsFilesystemDu() throws {
        try Integration.require(["mkfs.btrfs", "btrfs"])
        let fs = try LoopFileSystem(.btrfs)
        defer { fs.tearDown() }
        try Self.makeTree(fs.path("src"), bigFileBytes: 16 << 20)
        _ = try CloneEngine().clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        try Self.overwrite(fs.path("dst/big.bin"), offset: 0, count: 3 << 20)
        try Self.overwrite(fs.path("dst/sub/file19"), offset: 0, count: 50_000)
        try Data(repeating: 1, count: 2 << 20).write(to: URL(fileURLWithPath: fs.path("dst/new.bin")))
        _ = try Integration.check(["sync"])

        let ours = try DiskUsage().measure(BytePath(fs.path("dst")))
        let output = try Integration.check(["btrfs", "filesystem", "du", "-s", "--raw", fs.path("dst")])
        // "     Total   Exclusive  Set shared  Filename" then one row of numbers.
        let row = try #require(output.split(separator: "\n").last?.split(separator: " ").compactMap { Int($0) })
        let theirs = try #require(row.count >= 2 ? row[1] : nil)
        let data = ours.exclusiveBytes - ours.metadataBytes
        #expect(Double(abs(data - theirs)) <= Double(theirs) * 0.01, "cilo \(data) vs btrfs \(theirs)")
    }

    /// What the file system says is in use: btrfs's raw `Used` (its statfs leaves out freed
    /// metadata), elsewhere statfs's used blocks; after everything is on disk.
    private static func usedBytes(_ fs: LoopFileSystem) throws -> Int {
        _ = try Integration.check(["sync"])
        if fs.kind == .btrfs {
            _ = try Integration.check(["btrfs", "filesystem", "sync", fs.mountPoint])
            Thread.sleep(forTimeInterval: 1)
            _ = try Integration.check(["btrfs", "filesystem", "sync", fs.mountPoint])
            let output = try Integration.check(["btrfs", "filesystem", "usage", "-b", fs.mountPoint])
            let line = try #require(output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("Used:") })
            return try #require(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap { Int($0) })
        }
        let mount = try PathOpening.openDirectory(Array(fs.mountPoint.utf8))
        defer { mount.closeIgnoringErrors() }
        let facts = try FileSystemFacts(of: mount)
        return Int(facts.totalBytes) - Int(facts.freeBytes)
    }

    @Test("a reflinked clone's exclusive bytes (its metadata) are within 25% of what deleting it frees",
          .enabled(if: Integration.canRun(needing: ["mkfs.btrfs", "mkfs.xfs", "btrfs"])), arguments: [LoopFileSystem.Kind.btrfs, .xfs])
    func exclusiveIsWhatDeletingFrees(kind: LoopFileSystem.Kind) throws {
        try Integration.require([kind.tool, "btrfs"])
        let fs = try LoopFileSystem(kind, sizeMiB: 1024)
        defer { fs.tearDown() }
        // Shaped like a source tree: 24,000 files in 1,200 folders, a third of them small
        // enough for btrfs to keep inline, the rest up to 40 KiB.
        try Integration.check(["python3", "-c", """
            import os, sys, random
            random.seed(7)
            for d in range(1200):
                folder = f"{sys.argv[1]}/drivers/subsystem_{d}/impl"
                os.makedirs(folder)
                for f in range(20):
                    size = random.randint(0, 2000) if f % 3 == 0 else random.randint(2100, 40000)
                    open(f"{folder}/source_file_{f}.c", "wb").write(os.urandom(size))
            """, fs.path("src")])
        _ = try CloneEngine().clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        let said = try DiskUsage().measure(BytePath(fs.path("dst")))
        let before = try Self.usedBytes(fs)
        try FileManager.default.removeItem(atPath: fs.path("dst"))
        let freed = before - (try Self.usedBytes(fs))
        let ratio = Double(said.exclusiveBytes) / Double(max(freed, 1))
        #expect(ratio >= 0.75 && ratio <= 1.25, "\(kind): cilo du said \(said.exclusiveBytes), deleting freed \(freed) (ratio \(ratio))")
    }

    @Test("on ext4 exclusive equals allocated, hard links count once, sparse files allocate less",
          .enabled(if: Integration.canRun(needing: ["mkfs.ext4"])))
    func ext4Accounting() throws {
        try Integration.require(["mkfs.ext4"])
        let fs = try LoopFileSystem(.ext4, sizeMiB: 64)
        defer { fs.tearDown() }
        try Self.makeTree(fs.path("tree"))
        let alone = try DiskUsage().measure(BytePath(fs.path("tree")))
        #expect(alone.exclusiveBytes == alone.allocatedBytes)
        #expect(alone.sharedBytes == 0)
        #expect(alone.files == 22 && alone.symlinks == 1 && alone.directories == 3)

        for index in 1...3 {
            try FileManager.default.linkItem(atPath: fs.path("tree/big.bin"), toPath: fs.path("tree/sub/big-link\(index)"))
        }
        let linked = try DiskUsage().measure(BytePath(fs.path("tree")))
        #expect(linked.allocatedBytes == alone.allocatedBytes, "three more links to one inode add no bytes")
        #expect(linked.apparentBytes == alone.apparentBytes)
        #expect(linked.files == alone.files + 3)

        try Integration.check(["truncate", "-s", "64M", fs.path("sparse")])
        try Self.overwrite(fs.path("sparse"), offset: 32 << 20, count: 4096)
        let sparse = try DiskUsage().measure(BytePath(fs.path("sparse")))
        #expect(sparse.apparentBytes == 64 << 20)
        #expect(sparse.allocatedBytes < 1 << 20 && sparse.allocatedBytes > 0)
    }

    @Test("one worker and four workers count the same", .enabled(if: Integration.canRun(needing: ["mkfs.xfs"])))
    func jobsAgree() throws {
        try Integration.require(["mkfs.xfs"])
        let fs = try LoopFileSystem(.xfs)
        defer { fs.tearDown() }
        try Self.makeTree(fs.path("src"))
        try Integration.check(["python3", "-c", """
            import os, sys
            for d in range(40):
                os.makedirs(f"{sys.argv[1]}/w{d}")
                for f in range(50):
                    open(f"{sys.argv[1]}/w{d}/f{f}", "wb").write(os.urandom(f * 300))
            """, fs.path("src")])
        _ = try CloneEngine().clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        try Self.overwrite(fs.path("dst/big.bin"), offset: 0, count: 1 << 20)
        _ = try Integration.check(["sync"])
        let one = try DiskUsage(jobs: 1).measure(BytePath(fs.path("dst")))
        let four = try DiskUsage(jobs: 4).measure(BytePath(fs.path("dst")))
        #expect(one.apparentBytes == four.apparentBytes)
        #expect(one.allocatedBytes == four.allocatedBytes)
        #expect(one.exclusiveBytes == four.exclusiveBytes)
        #expect(one.files == four.files && one.directories == four.directories && one.symlinks == four.symlinks)
    }
}
