#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// Directory-relative (`*at`) system calls. The receiver is a directory descriptor and
/// every name is a single `FileName` inside it, so no path is ever joined as a string
/// and paths of any length work.
extension FileDescriptor {
    /// Opens `name` inside this directory.
    ///
    /// The corresponding C function is `openat`.
    public func open(
        _ name: FileName, flags: CInt, mode: UInt32 = 0, retryOnInterrupt: Bool = true
    ) throws(Errno) -> FileDescriptor {
        let fd = try SystemCall.run(retryOnInterrupt: retryOnInterrupt) {
            name.withCString { Glibc.openat(rawValue, $0, flags | O_CLOEXEC, mode_t(mode)) }
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens the directory `name` inside this directory, never following a symlink.
    public func openDirectory(_ name: FileName) throws(Errno) -> FileDescriptor {
        try open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    }

    /// Opens the directory `name` inside this directory for use as an `*at` anchor only (`O_PATH`).
    public func openDirectoryPath(_ name: FileName) throws(Errno) -> FileDescriptor {
        try open(name, flags: csupport_O_PATH | O_DIRECTORY | O_NOFOLLOW)
    }

    /// Opens the regular file `name` inside this directory for reading, never following a symlink.
    /// With `noAccessTime` the read does not update its access time (needs ownership or `CAP_FOWNER`).
    public func openForReading(_ name: FileName, noAccessTime: Bool) throws(Errno) -> FileDescriptor {
        try open(name, flags: O_RDONLY | O_NOFOLLOW | (noAccessTime ? csupport_O_NOATIME : 0))
    }

    /// Creates the regular file `name` inside this directory, failing if it exists, open for writing.
    public func createFile(_ name: FileName, permissions: UInt32) throws(Errno) -> FileDescriptor {
        try open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: permissions)
    }

    /// Creates an unnamed regular file in this directory's file system, open for reading
    /// and writing; it disappears when closed.
    ///
    /// The corresponding C function is `openat` with `O_TMPFILE`.
    public func createAnonymousFile() throws(Errno) -> FileDescriptor {
        try open(FileName("."), flags: csupport_O_TMPFILE | O_RDWR, mode: 0o600)
    }

    /// The status of `name` inside this directory, not following a final symlink.
    ///
    /// The corresponding C function is `fstatat` with `AT_SYMLINK_NOFOLLOW`.
    public func status(of name: FileName, retryOnInterrupt: Bool = true) throws(Errno) -> FileStatus {
        var raw = Glibc.stat()
        try SystemCall.check(retryOnInterrupt: retryOnInterrupt) {
            name.withCString { fstatat(rawValue, $0, &raw, AT_SYMLINK_NOFOLLOW) }
        }
        return FileStatus(raw)
    }

    /// The status of `name` inside this directory (`fstatat`), nil when nothing has that name.
    public func statusIfPresent(of name: FileName) throws(Errno) -> FileStatus? {
        do throws(Errno) { return try status(of: name) } catch .noSuchFileOrDirectory { return nil }
    }

    /// The status of the file this descriptor refers to.
    ///
    /// The corresponding C function is `fstat`.
    public func status(retryOnInterrupt: Bool = true) throws(Errno) -> FileStatus {
        var raw = Glibc.stat()
        try SystemCall.check(retryOnInterrupt: retryOnInterrupt) { Glibc.fstat(rawValue, &raw) }
        return FileStatus(raw)
    }

    /// Creates the directory `name` inside this directory.
    ///
    /// The corresponding C function is `mkdirat`.
    public func makeDirectory(_ name: FileName, mode: UInt32) throws(Errno) {
        try SystemCall.check { name.withCString { mkdirat(rawValue, $0, mode_t(mode)) } }
    }

    /// Creates the symbolic link `name` inside this directory pointing at `target` (raw bytes).
    ///
    /// The corresponding C function is `symlinkat`.
    public func makeSymbolicLink(_ name: FileName, target: [UInt8]) throws(Errno) {
        var terminated = target
        terminated.append(0)
        try SystemCall.check {
            terminated.withUnsafeBufferPointer { targetBuffer in
                targetBuffer.withMemoryRebound(to: CChar.self) { targetChars in
                    name.withCString { symlinkat(targetChars.baseAddress.unsafelyUnwrapped, rawValue, $0) }
                }
            }
        }
    }

    /// The target of the symbolic link `name` inside this directory, as raw bytes.
    ///
    /// The corresponding C function is `readlinkat`.
    public func symbolicLinkTarget(of name: FileName, sizeHint: Int = 256) throws(Errno) -> [UInt8] {
        var capacity = max(sizeHint + 1, 64)
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let length = try SystemCall.run {
                buffer.withUnsafeMutableBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        name.withCString { readlinkat(rawValue, $0, chars.baseAddress.unsafelyUnwrapped, capacity) }
                    }
                }
            }
            if length < capacity { return Array(buffer[..<length]) }
            capacity *= 2
        }
    }

    /// Makes `name` inside `directory` a new hard link to `existing` inside this directory.
    ///
    /// The corresponding C function is `linkat`.
    public func makeHardLink(from existing: FileName, to directory: FileDescriptor, name: FileName) throws(Errno) {
        try SystemCall.check {
            existing.withCString { old in name.withCString { linkat(rawValue, old, directory.rawValue, $0, 0) } }
        }
    }

    /// Creates a FIFO `name` inside this directory.
    ///
    /// Creates an overlay whiteout `name` (a character device 0/0; needs CAP_MKNOD).
    ///
    /// The corresponding C function is `mknodat` with `S_IFCHR` and device 0.
    public func makeWhiteout(_ name: FileName, mode: UInt32) throws(Errno) {
        try SystemCall.check { name.withCString { mknodat(rawValue, $0, mode_t(S_IFCHR) | mode_t(mode), 0) } }
    }

    /// The corresponding C function is `mknodat` with `S_IFIFO`.
    public func makeFIFO(_ name: FileName, mode: UInt32) throws(Errno) {
        try SystemCall.check { name.withCString { mknodat(rawValue, $0, mode_t(S_IFIFO) | mode_t(mode), 0) } }
    }

    /// Removes `name` inside this directory; `directory` selects `rmdir` semantics.
    ///
    /// The corresponding C function is `unlinkat`.
    public func remove(_ name: FileName, directory: Bool) throws(Errno) {
        try SystemCall.check { name.withCString { unlinkat(rawValue, $0, directory ? AT_REMOVEDIR : 0) } }
    }

    /// Renames `name` inside this directory to `newName` inside `target` (this directory when nil),
    /// replacing what `newName` named.
    ///
    /// The corresponding C function is `renameat`.
    public func rename(_ name: FileName, to newName: FileName, in target: FileDescriptor? = nil) throws(Errno) {
        let targetDescriptor = (target ?? self).rawValue
        try SystemCall.check {
            name.withCString { old in newName.withCString { new in renameat(rawValue, old, targetDescriptor, new) } }
        }
    }

    /// Swaps `name` inside this directory with `otherName` inside `other` (this directory when
    /// nil) in one step: no moment when either name is missing.
    ///
    /// The corresponding C function is `renameat2` with `RENAME_EXCHANGE`.
    public func exchange(_ name: FileName, with otherName: FileName, in other: FileDescriptor? = nil) throws(Errno) {
        let otherDescriptor = (other ?? self).rawValue
        try SystemCall.check {
            name.withCString { first in otherName.withCString { second in csupport_rename_exchange(rawValue, first, otherDescriptor, second) } }
        }
    }

    /// Sets owner and group of `name` inside this directory without following a symlink.
    ///
    /// The corresponding C function is `fchownat` with `AT_SYMLINK_NOFOLLOW`.
    public func setOwner(of name: FileName, userID: UInt32, groupID: UInt32) throws(Errno) {
        try SystemCall.check {
            name.withCString { fchownat(rawValue, $0, userID, groupID, AT_SYMLINK_NOFOLLOW) }
        }
    }

    /// Sets the permission bits of `name` inside this directory (never a symlink).
    ///
    /// The corresponding C function is `fchmodat`.
    public func setPermissions(of name: FileName, _ permissions: UInt32) throws(Errno) {
        try SystemCall.check { name.withCString { fchmodat(rawValue, $0, mode_t(permissions), 0) } }
    }

    /// Sets access and modification times of `name` inside this directory, not following a symlink.
    ///
    /// The corresponding C function is `utimensat` with `AT_SYMLINK_NOFOLLOW`.
    public func setTimes(of name: FileName, access: FileTime, modification: FileTime) throws(Errno) {
        var times = (access.timespecValue, modification.timespecValue)
        try SystemCall.check {
            withUnsafePointer(to: &times) { pair in
                pair.withMemoryRebound(to: timespec.self, capacity: 2) { spec in
                    name.withCString { utimensat(rawValue, $0, spec, AT_SYMLINK_NOFOLLOW) }
                }
            }
        }
    }
}
