#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import CiloSystem
import Foundation
import SystemPackage

/// Builds a source tree holding every case clone fidelity must get right, through
/// directory descriptors so names may be any bytes and paths any length.
enum FidelityTree {
    /// A name that is not valid UTF-8.
    static let invalidUTF8Name = FileName(bytes: [0x62, 0x61, 0x64, 0xFF, 0xFE, 0x2E, 0x74, 0x78, 0x74])
    static let awkwardNames = ["with space", "new\nline", "-leading-dash", "--", "tab\there", "ünïcödé"]
    static let sparseSize: Int64 = 24 << 20
    static let bigSize = 3 << 20

    /// Builds the tree inside the existing empty directory `root`.
    /// Returns the relative paths of sockets and devices (which a clone must skip).
    @discardableResult
    static func build(at root: String, withSpecialFiles: Bool = true) throws -> [String] {
        let top = try PathOpening.openDirectory(Array(root.utf8))
        defer { top.closeIgnoringErrors() }

        try write(top, "plain.txt", Array("hello\n".utf8), permissions: 0o644)
        try write(top, "empty", [], permissions: 0o600)
        try write(top, "script.sh", Array("#!/bin/sh\necho hi\n".utf8), permissions: 0o755)
        try write(top, "world-writable", Array("x".utf8), permissions: 0o666)
        try write(top, "setuid", Array("s".utf8), permissions: 0o4755)
        try write(top, "setgid", Array("g".utf8), permissions: 0o2750)
        try write(top, "big.bin", (0..<bigSize).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }, permissions: 0o640)
        for name in awkwardNames { try write(top, name, Array(name.utf8), permissions: 0o644) }
        let odd = try top.createFile(invalidUTF8Name, permissions: 0o644)
        try odd.writeAll([1, 2, 3], at: 0)
        odd.closeIgnoringErrors()

        // A sparse file: data at 1 MiB and 16 MiB, holes elsewhere.
        let sparse = try top.createFile(FileName("sparse.img"), permissions: 0o644)
        let chunk = [UInt8](repeating: 0xAB, count: 64 << 10)
        try sparse.writeAll(chunk, at: 1 << 20)
        try sparse.writeAll(chunk, at: 16 << 20)
        try sparse.truncate(to: sparseSize)
        sparse.closeIgnoringErrors()

        // Symlinks: relative, absolute, dangling, to a directory, with an invalid-UTF-8 target.
        try top.makeSymbolicLink(FileName("link-to-plain"), target: Array("plain.txt".utf8))
        try top.makeSymbolicLink(FileName("link-absolute"), target: Array("/etc/hostname".utf8))
        try top.makeSymbolicLink(FileName("link-dangling"), target: Array("does/not/exist".utf8))
        try top.makeSymbolicLink(FileName("link-to-dir"), target: Array("dir".utf8))
        try top.makeSymbolicLink(FileName("link-odd-target"), target: [0x78, 0xFF])

        // Directories: nested, empty, read-only with contents, sticky, setgid.
        try top.makeDirectory(FileName("dir"), mode: 0o755)
        let dir = try top.openDirectory(FileName("dir"))
        try write(dir, "inner.txt", Array("inner".utf8), permissions: 0o644)
        try top.makeHardLink(from: FileName("plain.txt"), to: dir, name: FileName("hardlink-to-plain"))
        try dir.makeHardLink(from: FileName("inner.txt"), to: dir, name: FileName("inner-again"))
        try dir.makeDirectory(FileName("empty-dir"), mode: 0o750)
        dir.closeIgnoringErrors()
        try top.makeDirectory(FileName("readonly"), mode: 0o755)
        let readonly = try top.openDirectory(FileName("readonly"))
        try write(readonly, "kept.txt", Array("kept".utf8), permissions: 0o444)
        try readonly.setPermissions(0o555)
        readonly.closeIgnoringErrors()
        try top.makeDirectory(FileName("sticky"), mode: 0o755)
        try top.setPermissions(of: FileName("sticky"), 0o1777)
        try top.makeDirectory(FileName("setgid-dir"), mode: 0o755)
        try top.setPermissions(of: FileName("setgid-dir"), 0o2775)
        try top.makeFIFO(FileName("fifo"), mode: 0o640)

        // A path longer than PATH_MAX (4096): 20 levels of 220-byte names.
        var deep = try top.open(FileName("."), flags: O_RDONLY | O_DIRECTORY)
        let longName = FileName(String(repeating: "d", count: 220))
        for _ in 0..<20 {
            try deep.makeDirectory(longName, mode: 0o755)
            let next = try deep.openDirectory(longName)
            deep.closeIgnoringErrors()
            deep = next
        }
        try write(deep, "deep-file", Array("deep".utf8), permissions: 0o644)
        try deep.makeHardLink(from: FileName("deep-file"), to: deep, name: FileName("deep-link"))
        try top.makeHardLink(from: FileName("plain.txt"), to: deep, name: FileName("link-from-far"))
        try deep.makeSymbolicLink(FileName("deep-symlink"), target: Array("deep-file".utf8))
        deep.closeIgnoringErrors()

        // User extended attributes on a file and a directory.
        let withXattr = try top.open(FileName("plain.txt"), flags: O_RDONLY)
        try withXattr.setExtendedAttribute(Array("user.cilo.test".utf8), value: Array("value\u{0}with-nul".utf8))
        withXattr.closeIgnoringErrors()
        let dirXattr = try top.openDirectory(FileName("dir"))
        try dirXattr.setExtendedAttribute(Array("user.dir".utf8), value: Array("d".utf8))
        dirXattr.closeIgnoringErrors()

        if Integration.isRoot {
            try top.setOwner(of: FileName("script.sh"), userID: 1234, groupID: 5678)
            try top.setOwner(of: FileName("link-to-plain"), userID: 4321, groupID: 8765)
            try top.setOwner(of: FileName("dir"), userID: 1111, groupID: 2222)
        }

        var special: [String] = []
        if withSpecialFiles {
            try Integration.check(["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", root + "/socket"])
            special.append("socket")
            if Integration.isRoot {
                try Integration.check(["mknod", root + "/null-device", "c", "1", "3"])
                special.append("null-device")
            }
        }

        // Distinct nanosecond times on everything, the directories last.
        try stampTimes(in: top)
        return special
    }

    private static func write(_ directory: FileDescriptor, _ name: String, _ bytes: [UInt8], permissions: UInt32) throws {
        let file = try directory.createFile(FileName(name), permissions: 0o600)
        defer { file.closeIgnoringErrors() }
        try file.writeAll(bytes, at: 0)
        try file.setPermissions(permissions)
    }

    /// Gives every entry a distinct mtime with nanoseconds, children before their directory.
    private static func stampTimes(in directory: FileDescriptor, counter: inout Int64) throws {
        var names: [(FileName, Bool)] = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            names.append((name, false))
            return true
        }
        for (name, _) in names {
            let status = try directory.status(of: name)
            if status.kind == .directory {
                let child = try directory.openDirectory(name)
                try stampTimes(in: child, counter: &counter)
                child.closeIgnoringErrors()
            }
            counter += 1
            let time = FileTime(seconds: 1_600_000_000 + counter * 7, nanoseconds: 123_456_789 - counter)
            try directory.setTimes(of: name, access: FileTime(seconds: 1_500_000_000, nanoseconds: counter), modification: time)
        }
    }

    private static func stampTimes(in top: FileDescriptor) throws {
        var counter: Int64 = 0
        try stampTimes(in: top, counter: &counter)
        try top.setTimes(access: FileTime(seconds: 1_500_000_000, nanoseconds: 1), modification: FileTime(seconds: 1_650_000_000, nanoseconds: 999_999_999))
    }
}
