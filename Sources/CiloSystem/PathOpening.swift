#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Opening a whole path given by the user (the start of every walk). Walks themselves
/// never use paths: they go on from the descriptor this returns.
public enum PathOpening {
    /// Opens `path` (bytes, absolute or relative to the working directory) with `flags`.
    ///
    /// The corresponding C function is `open`.
    public static func open(_ path: [UInt8], flags: CInt, mode: UInt32 = 0) throws(Errno) -> FileDescriptor {
        let terminated = path + [0]
        let fd = try SystemCall.run {
            terminated.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { Glibc.open($0.baseAddress.unsafelyUnwrapped, flags | O_CLOEXEC, mode_t(mode)) }
            }
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens the directory at `path` (a final symlink is followed: the user named it).
    public static func openDirectory(_ path: [UInt8]) throws(Errno) -> FileDescriptor {
        try open(path, flags: O_RDONLY | O_DIRECTORY)
    }

    /// Opens the file at `path` for reading (a final symlink is followed).
    public static func openForReading(_ path: [UInt8]) throws(Errno) -> FileDescriptor {
        try open(path, flags: O_RDONLY)
    }

    /// The status of `path`, not following a final symlink.
    ///
    /// The corresponding C function is `lstat`.
    public static func status(_ path: [UInt8]) throws(Errno) -> FileStatus {
        let terminated = path + [0]
        var raw = Glibc.stat()
        try SystemCall.check {
            terminated.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { Glibc.lstat($0.baseAddress.unsafelyUnwrapped, &raw) }
            }
        }
        return FileStatus(raw)
    }

    /// The status of `path` (`lstat`), nil when nothing is there; any other failure throws.
    public static func statusIfPresent(_ path: [UInt8]) throws(Errno) -> FileStatus? {
        do throws(Errno) { return try status(path) } catch .noSuchFileOrDirectory { return nil }
    }

    /// Reads a small file someone else controls (an agent's `.git/HEAD`): never through a final
    /// symlink, never blocking on a FIFO or device, at most `limit` bytes. nil when nothing is
    /// there or it is not a regular file; a larger one throws `fileTooLarge`.
    /// `followingSymlink`: a final symlink is followed (a file the user may keep elsewhere).
    public static func readSmallRegularFile(_ path: [UInt8], limit: Int, followingSymlink: Bool = false) throws(Errno) -> [UInt8]? {
        let file: FileDescriptor
        do throws(Errno) { file = try open(path, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY | (followingSymlink ? 0 : O_NOFOLLOW)) } catch {
            if error == .noSuchFileOrDirectory || error == .tooManySymbolicLinkLevels || error == .notDirectory { return nil }
            throw error
        }
        defer { file.closeIgnoringErrors() }
        let status = try file.status()
        guard status.kind == .regular else { return nil }
        guard status.size <= Int64(limit) else { throw .fileTooLarge }
        return try file.readToEnd()
    }
}
