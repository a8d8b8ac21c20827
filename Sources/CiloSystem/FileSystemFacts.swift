internal import CSupport
import SystemPackage

/// What `statfs` says about the file system holding a file.
public struct FileSystemFacts: Sendable, Equatable {
    /// The file-system kinds cilo tells apart.
    public enum Kind: String, Sendable {
        case btrfs, xfs, ext4, tmpfs, overlay, other
    }

    /// The `f_type` magic number.
    public var magic: UInt64
    public var blockSize: UInt64
    public var totalBytes: UInt64
    public var freeBytes: UInt64
    public var availableBytes: UInt64
    public var isReadOnly: Bool

    /// The kind named by the magic number (ext2 and ext3 share ext4's magic).
    public var kind: Kind {
        switch magic {
        case csupport_BTRFS_SUPER_MAGIC: return .btrfs
        case csupport_XFS_SUPER_MAGIC: return .xfs
        case csupport_EXT4_SUPER_MAGIC: return .ext4
        case csupport_TMPFS_MAGIC: return .tmpfs
        case csupport_OVERLAYFS_SUPER_MAGIC: return .overlay
        default: return .other
        }
    }

    /// `statfs` of the file system holding the open file `descriptor`.
    ///
    /// The corresponding C function is `fstatfs`.
    public init(of descriptor: FileDescriptor) throws(Errno) {
        var facts = csupport_fs_facts()
        try SystemCall.check { csupport_fstatfs(descriptor.rawValue, &facts) }
        magic = facts.type
        blockSize = facts.block_size
        totalBytes = facts.blocks &* facts.fragment_size
        freeBytes = facts.blocks_free &* facts.fragment_size
        availableBytes = facts.blocks_avail &* facts.fragment_size
        isReadOnly = facts.flags & csupport_ST_RDONLY != 0
    }
}
