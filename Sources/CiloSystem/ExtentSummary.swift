internal import CSupport
import SystemPackage

/// A file's data extents summed from FIEMAP: how many bytes it shares with other files.
public struct ExtentSummary: Sendable, Equatable {
    public var totalBytes: UInt64
    /// Bytes in extents flagged `FIEMAP_EXTENT_SHARED`.
    public var sharedBytes: UInt64
    /// Bytes stored inline in metadata (`FIEMAP_EXTENT_DATA_INLINE`).
    public var inlineBytes: UInt64
    /// Bytes whose location is not known yet (`UNKNOWN` or `DELALLOC`).
    public var unknownBytes: UInt64
    public var extents: UInt64

    /// Bytes in extents that no other file shares.
    public var exclusiveBytes: UInt64 { totalBytes - sharedBytes }

    /// Reads the extents of the open regular file `descriptor` (after syncing its delayed allocations).
    ///
    /// The corresponding C call is `ioctl(descriptor, FS_IOC_FIEMAP, …)`, repeated in batches.
    public init(of descriptor: FileDescriptor) throws(Errno) {
        var summary = csupport_extent_summary()
        try SystemCall.check { csupport_fiemap_summary(descriptor.rawValue, &summary) }
        totalBytes = summary.total_bytes
        sharedBytes = summary.shared_bytes
        inlineBytes = summary.inline_bytes
        unknownBytes = summary.unknown_bytes
        extents = summary.extents
    }
}
