internal import CSupport
import SystemPackage

/// Overlay mounts: a read-only lower folder seen through a writable upper one.
public enum OverlayMount {
    /// A mount the kernel refused: its errno and, when overlayfs said one, its reason.
    public struct Refusal: Error, Sendable {
        public var errno: Errno
        /// The kernel's own words ("overlayfs: filesystem on ... not supported as upperdir"), or nil.
        public var reason: String?
    }

    /// Mounts `lower` (never written) under `upper` with the scratch folder `work` (both on one
    /// file system) on `name` inside `parent`, with directory renames kept in place
    /// (`redirect_dir=on`), no index (a base made again still mounts) and no metadata-only copies.
    ///
    /// The corresponding C calls are `fsopen("overlay")`, `fsconfig`, `fsmount` and `move_mount`.
    public static func mount(lower: [UInt8], upper: [UInt8], work: [UInt8], on name: FileName, in parent: FileDescriptor) throws(Refusal) {
        var reason = [CChar](repeating: 0, count: 1024)
        let result = cString(lower) { lowerPath in
            cString(upper) { upperPath in
                cString(work) { workPath in
                    name.withCString { target in
                        reason.withUnsafeMutableBufferPointer { buffer in
                            csupport_overlay_mount(lowerPath, upperPath, workPath, parent.rawValue, target, buffer.baseAddress, buffer.count)
                        }
                    }
                }
            }
        }
        guard result != 0 else { return }
        let error = SystemCall.currentErrno
        let said = reason.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { String(cString: $0) } ?? ""
        }
        throw Refusal(errno: error, reason: said.isEmpty ? nil : said)
    }

    /// Unmounts what is mounted at `path`; `detach` lets a mount still in use go lazily.
    ///
    /// The corresponding C call is `umount2`.
    public static func unmount(_ path: [UInt8], detach: Bool = false) throws(Errno) {
        try SystemCall.check {
            cString(path) { csupport_unmount($0, detach ? csupport_MNT_DETACH : 0) }
        }
    }

    private static func cString<Result>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> Result) -> Result {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                // Never empty (the terminating NUL), so it has a base address.
                body(chars.baseAddress.unsafelyUnwrapped)
            }
        }
    }
}
