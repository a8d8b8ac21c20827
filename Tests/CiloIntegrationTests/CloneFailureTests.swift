#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import CiloSystem
import Foundation
import SystemPackage
import Testing

/// Failures during a clone: a clear error naming the path and cause, nothing left behind.
@Suite("Clone failures leave nothing behind", .serialized)
struct CloneFailureTests {
    @Test("ENOSPC on a tiny file system removes the partial copy", .enabled(if: Integration.canRun(needing: ["mkfs.ext4"])))
    func noSpaceRemovesPartialCopy() throws {
        try Integration.require(["mkfs.ext4"])
        let big = try LoopFileSystem(.ext4, sizeMiB: 96)
        defer { big.tearDown() }
        let tiny = try LoopFileSystem(.ext4, sizeMiB: 8)
        defer { tiny.tearDown() }
        try FileManager.default.createDirectory(atPath: big.path("src/sub"), withIntermediateDirectories: true)
        for index in 0..<12 {
            try Data(repeating: UInt8(index), count: 2 << 20).write(to: URL(fileURLWithPath: big.path("src/sub/file\(index)")))
        }
        var thrown: CiloError?
        do throws(CiloError) {
            _ = try CloneEngine().clone(source: BytePath(big.path("src")), destination: BytePath(tiny.path("dst")))
        } catch {
            thrown = error
        }
        let error = try #require(thrown)
        #expect(error.code == .noSpace)
        #expect(error.description.contains(tiny.path("dst")), "names the path: \(error)")
        #expect(error.description.contains("nothing was left"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: tiny.path("dst")))
    }

    @Test("--strategy reflink where the file system cannot share extents fails cleanly",
          .enabled(if: Integration.canRun(needing: ["mkfs.ext4"])))
    func strictReflinkOnExt4() throws {
        try Integration.require(["mkfs.ext4"])
        let fs = try LoopFileSystem(.ext4, sizeMiB: 32)
        defer { fs.tearDown() }
        try FileManager.default.createDirectory(atPath: fs.path("src"), withIntermediateDirectories: false)
        try Data("data".utf8).write(to: URL(fileURLWithPath: fs.path("src/file")))
        #expect {
            try CloneEngine(options: CloneOptions(strategy: .reflink))
                .clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))
        } throws: { error in
            guard let error = error as? CiloError else { return false }
            return error.code == .unsupported && error.message.contains("cannot reflink")
        }
        #expect(!FileManager.default.fileExists(atPath: fs.path("dst")))
    }

    @Test("a cancelled clone removes the partial copy", .enabled(if: Integration.canRun(needing: [])))
    func cancellationRemovesPartialCopy() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("cancel")
        defer { Integration.removeTemporary(root) }
        try FileManager.default.createDirectory(atPath: root + "/src/a", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/src/a/file"))
        let options = CloneOptions()
        options.cancellation.cancel()
        #expect {
            try CloneEngine(options: options).clone(source: BytePath(root + "/src"), destination: BytePath(root + "/dst"))
        } throws: { error in
            (error as? CiloError)?.code == .cancelled
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/dst"))
    }

    @Test("an empty existing destination is filled, and kept (emptied) when the clone fails",
          .enabled(if: Integration.canRun(needing: [])))
    func emptyDestinationDirectory() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("emptydst")
        defer { Integration.removeTemporary(root) }
        try FileManager.default.createDirectory(atPath: root + "/src/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/dst", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/src/a/file"))
        let report = try CloneEngine().clone(source: BytePath(root + "/src"), destination: BytePath(root + "/dst"))
        #expect(report.files == 1)
        #expect(FileManager.default.fileExists(atPath: root + "/dst/a/file"))
    }
}
