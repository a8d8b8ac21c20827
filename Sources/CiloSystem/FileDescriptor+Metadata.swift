#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// Metadata calls on an open descriptor.
extension FileDescriptor {
    /// A new descriptor for the same open file, closed at `exec` (children never inherit it).
    ///
    /// The corresponding C function is `fcntl` with `F_DUPFD_CLOEXEC`.
    public func duplicateClosingOnExec() throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try SystemCall.run { fcntl(rawValue, F_DUPFD_CLOEXEC, 3) })
    }

    /// Makes `target` a descriptor of this open file too (what `target` was is closed).
    ///
    /// The corresponding C function is `dup2`.
    public func duplicate(over target: FileDescriptor) throws(Errno) {
        _ = try SystemCall.run { Glibc.dup2(rawValue, target.rawValue) }
    }

    /// Sets the permission bits, setuid, setgid and sticky included.
    ///
    /// The corresponding C function is `fchmod`.
    public func setPermissions(_ permissions: UInt32) throws(Errno) {
        try SystemCall.check { fchmod(rawValue, mode_t(permissions)) }
    }

    /// Reads from offset 0 to the end of the file.
    ///
    /// The corresponding C function is `pread`.
    public func readToEnd() throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
        defer { chunk.deallocate() }
        while true {
            let count = try read(into: chunk, at: Int64(result.count))
            if count == 0 { return result }
            result.append(contentsOf: chunk[..<count])
        }
    }

    /// Reads a pipe or stream (standard input) from where it stands to its end.
    ///
    /// The corresponding C function is `read`.
    public func readStreamToEnd() throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
        defer { chunk.deallocate() }
        while true {
            let count = try SystemCall.run { Glibc.read(rawValue, chunk.baseAddress, chunk.count) }
            if count == 0 { return result }
            result.append(contentsOf: chunk[..<count])
        }
    }

    /// Sets owner and group.
    ///
    /// The corresponding C function is `fchown`.
    public func setOwner(userID: UInt32, groupID: UInt32) throws(Errno) {
        try SystemCall.check { fchown(rawValue, userID, groupID) }
    }

    /// Sets access and modification times with nanoseconds.
    ///
    /// The corresponding C function is `futimens`.
    public func setTimes(access: FileTime, modification: FileTime) throws(Errno) {
        var times = (access.timespecValue, modification.timespecValue)
        try SystemCall.check {
            withUnsafePointer(to: &times) { pair in
                pair.withMemoryRebound(to: timespec.self, capacity: 2) { futimens(rawValue, $0) }
            }
        }
    }

    /// Sets the file's size.
    ///
    /// The corresponding C function is `ftruncate`.
    public func truncate(to size: Int64) throws(Errno) {
        try SystemCall.check { ftruncate(rawValue, off_t(size)) }
    }

    /// The offset of the next data (`hole == false`) or hole (`hole == true`) at or after `offset`.
    /// Returns nil past the end of the file (ENXIO).
    ///
    /// The corresponding C function is `lseek` with `SEEK_DATA` / `SEEK_HOLE`.
    public func seek(toNext hole: Bool, from offset: Int64) throws(Errno) -> Int64? {
        let result = Glibc.lseek(rawValue, off_t(offset), hole ? csupport_SEEK_HOLE : csupport_SEEK_DATA)
        if result >= 0 { return Int64(result) }
        let error = SystemCall.currentErrno
        if error == .noSuchAddressOrDevice { return nil }
        throw error
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns the number read, 0 at end.
    ///
    /// The corresponding C function is `pread`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try SystemCall.run { Glibc.pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Writes all of `buffer` at `offset`.
    ///
    /// The corresponding C function is `pwrite`.
    public func writeAll(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) {
        var written = 0
        while written < buffer.count {
            let remaining = UnsafeRawBufferPointer(rebasing: buffer[written...])
            let count = try SystemCall.run { Glibc.pwrite(rawValue, remaining.baseAddress, remaining.count, off_t(offset) + off_t(written)) }
            written += count
        }
    }

    /// Writes all of `bytes` at `offset`.
    ///
    /// The corresponding C function is `pwrite`.
    public func writeAll(_ bytes: [UInt8], at offset: Int64) throws(Errno) {
        let failure: Errno? = bytes.withUnsafeBytes { buffer in
            do throws(Errno) {
                try writeAll(buffer, at: offset)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Closes the descriptor, ignoring EINTR (on Linux the descriptor is released even then).
    ///
    /// The corresponding C function is `close`.
    public func closeIgnoringErrors() {
        _ = Glibc.close(rawValue)
    }
}
