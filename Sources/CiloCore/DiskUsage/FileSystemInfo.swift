import CiloSystem
import SystemPackage
import Synchronization

/// What a file system is and what it can do, from `statfs` and one reflink probe.
public struct FileSystemInfo: Sendable, Codable, Equatable {
    /// btrfs, xfs, ext4, tmpfs, overlay or other.
    public var type: String
    public var device: UInt64
    public var blockSize: UInt64
    public var totalBytes: UInt64
    public var freeBytes: UInt64
    /// Free bytes an unprivileged user may use.
    public var availableBytes: UInt64
    public var readOnly: Bool
    /// Whether FICLONE works inside this file system; nil when it could not be probed
    /// (no write permission, read-only, no O_TMPFILE).
    public var reflink: Bool?

    /// Probe results per device: a probe writes two temporary files, so it runs once.
    private static let reflinkProbes = Mutex<[UInt64: Bool?]>([:])

    /// Describes the file system holding `path` (a directory or a file).
    public static func of(_ path: BytePath, probeReflink: Bool = true) throws(CiloError) -> FileSystemInfo {
        let directory = try openDirectoryOrParent(path)
        defer { directory.closeIgnoringErrors() }
        do throws(Errno) {
            let facts = try FileSystemFacts(of: directory)
            let status = try directory.status()
            var info = FileSystemInfo(
                type: facts.kind.rawValue, device: status.device, blockSize: facts.blockSize,
                totalBytes: facts.totalBytes, freeBytes: facts.freeBytes, availableBytes: facts.availableBytes,
                readOnly: facts.isReadOnly, reflink: nil)
            if probeReflink { info.reflink = reflinkWorks(in: directory, device: status.device) }
            return info
        } catch {
            throw .system(error, "cannot read the file system", path: path.display)
        }
    }

    /// Whether two paths are on the same file system (btrfs subvolumes of one file system count as one).
    public static func sameFileSystem(_ first: BytePath, _ second: BytePath) throws(CiloError) -> Bool {
        let a = try openDirectoryOrParent(first)
        defer { a.closeIgnoringErrors() }
        let b = try openDirectoryOrParent(second)
        defer { b.closeIgnoringErrors() }
        let statusA: FileStatus, statusB: FileStatus
        do throws(Errno) {
            statusA = try a.status()
            statusB = try b.status()
        } catch {
            throw .system(error, "cannot read a folder's file system", path: first.display)
        }
        return statusA.device == statusB.device || BtrfsSubvolume.onSameFileSystem(a, b)
    }

    /// Clones a 4 KiB temporary file into another inside `directory`; cached per device.
    static func reflinkWorks(in directory: FileDescriptor, device: UInt64) -> Bool? {
        if let known = reflinkProbes.withLock({ $0[device] }) { return known }
        var result: Bool?
        do throws(Errno) {
            let source = try directory.createAnonymousFile()
            defer { source.closeIgnoringErrors() }
            let target = try directory.createAnonymousFile()
            defer { target.closeIgnoringErrors() }
            try source.writeAll([UInt8](repeating: 0x5A, count: 4096), at: 0)
            do throws(Errno) {
                try DataCloning.reflink(from: source, to: target)
                result = true
            } catch {
                result = FileContentCopier<KernelFileData>.meansUnsupported(error) ? false : nil
            }
        } catch {
            result = nil
        }
        reflinkProbes.withLock { $0[device] = result }
        return result
    }

    private static func openDirectoryOrParent(_ path: BytePath) throws(CiloError) -> FileDescriptor {
        do throws(Errno) {
            return try PathOpening.openDirectory(path.bytes)
        } catch {
            if error == .notDirectory, let parent = path.parentAndName?.parent {
                do throws(Errno) { return try PathOpening.openDirectory(parent.bytes) } catch {
                    throw .system(error, "cannot open", path: parent.display)
                }
            }
            throw .system(error, error == .noSuchFileOrDirectory ? "no such file or directory" : "cannot open", path: path.display)
        }
    }
}
