#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import Synchronization

/// An exclusive advisory lock (`flock`) on a lock file, held until `unlock()` or deinit.
/// The kernel drops it if the process dies, so a crash never leaves a stale lock.
public final class FileLock: Sendable {
    /// The locked file's descriptor, nil once unlocked.
    private let descriptor = Mutex<FileDescriptor?>(nil)

    /// Opens (creating) the lock file at `path` and waits for the exclusive lock.
    ///
    /// The corresponding C functions are `open` and `flock(LOCK_EX)`.
    public convenience init(path: [UInt8]) throws(Errno) {
        try self.init(path: path, wait: true)
    }

    /// Opens (creating) the lock file at `path` and takes the exclusive lock; without
    /// `wait`, fails with `EWOULDBLOCK` (`.wouldBlock`) at once if another holds it.
    ///
    /// A lock file may be removed by its holder (the last environment of a project goes):
    /// a lock taken on a file that is no longer at `path` is dropped and taken again, so
    /// two holders never lock two different files of one name.
    ///
    /// The corresponding C functions are `open`, `flock(LOCK_EX[|LOCK_NB])`, `fstat` and `stat`.
    public init(path: [UInt8], wait: Bool) throws(Errno) {
        while true {
            let fd = try PathOpening.open(path, flags: O_RDWR | O_CREAT, mode: 0o600)
            do throws(Errno) {
                try SystemCall.check { flock(fd.rawValue, wait ? LOCK_EX : LOCK_EX | LOCK_NB) }
                let held = try fd.status()
                let current: FileStatus
                do throws(Errno) { current = try PathOpening.status(path) } catch .noSuchFileOrDirectory {
                    fd.closeIgnoringErrors()
                    continue
                }
                guard held.device == current.device && held.inode == current.inode else {
                    fd.closeIgnoringErrors()
                    continue
                }
            } catch {
                fd.closeIgnoringErrors()
                throw error
            }
            descriptor.withLock { $0 = fd }
            return
        }
    }

    /// Releases the lock.
    public func unlock() {
        let held = descriptor.withLock { current -> FileDescriptor? in
            defer { current = nil }
            return current
        }
        if let held {
            _ = flock(held.rawValue, LOCK_UN)
            held.closeIgnoringErrors()
        }
    }

    deinit { unlock() }
}

/// Whole-file writes that are never seen half-done.
public enum AtomicFile {
    /// Writes `bytes` to `name` inside `directory`: a temporary file, fsync, rename over the
    /// old one, fsync of the directory. Readers see the old or the new content, never a mix.
    ///
    /// The corresponding C functions are `openat`, `pwrite`, `fsync`, `renameat`.
    public static func write(_ bytes: [UInt8], to name: FileName, in directory: FileDescriptor, permissions: UInt32 = 0o644) throws(Errno) {
        let temporary = FileName(bytes: Array(".".utf8) + name.bytes + Array(".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))".utf8))
        let file = try directory.createFile(temporary, permissions: permissions)
        do throws(Errno) {
            try file.writeAll(bytes, at: 0)
            try SystemCall.check { fsync(file.rawValue) }
            file.closeIgnoringErrors()
            try SystemCall.check {
                temporary.withCString { old in name.withCString { renameat(directory.rawValue, old, directory.rawValue, $0) } }
            }
            _ = fsync(directory.rawValue)
        } catch {
            file.closeIgnoringErrors()
            try? directory.remove(temporary, directory: false)
            throw error
        }
    }

    /// Reads the whole of `name` inside `directory`; nil when it does not exist.
    public static func read(_ name: FileName, in directory: FileDescriptor) throws(Errno) -> [UInt8]? {
        let file: FileDescriptor
        do throws(Errno) { file = try directory.open(name, flags: O_RDONLY) } catch {
            if error == .noSuchFileOrDirectory { return nil }
            throw error
        }
        defer { file.closeIgnoringErrors() }
        return try file.readToEnd()
    }
}
