#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// Opening a relative path of several components inside a directory, never outside it: the
/// kernel resolves it (`openat2` with `RESOLVE_BENEATH`), so no `..`, absolute path or symlink
/// can leave the directory, whatever renames happen meanwhile.
extension FileDescriptor {
    /// Opens `path` (bytes, relative, `/`-separated) beneath this directory. A path leaving it
    /// fails with `EXDEV`.
    ///
    /// The corresponding C function is `openat2`.
    public func openBeneath(_ path: [UInt8], flags: CInt, mode: UInt32 = 0) throws(Errno) -> FileDescriptor {
        let terminated = path + [0]
        let fd = try SystemCall.run {
            terminated.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    csupport_open_beneath(rawValue, $0.baseAddress.unsafelyUnwrapped, flags, UInt32(mode))
                }
            }
        }
        return FileDescriptor(rawValue: fd)
    }
}
