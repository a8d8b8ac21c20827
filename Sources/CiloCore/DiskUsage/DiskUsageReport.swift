/// What a tree costs on disk, three ways: what `ls` shows, what is allocated, and what
/// deleting it would free. `cilo du --json` prints an array of these.
public struct DiskUsageReport: Sendable, Codable, Equatable {
    public var path: String
    /// The file system's kind: btrfs, xfs, ext4, tmpfs, overlay or other.
    public var filesystem: String
    /// `st_size` of regular files plus the length of symlink targets.
    public var apparentBytes: Int
    /// `st_blocks` x 512 of every inode in the tree, each hard-linked inode once.
    public var allocatedBytes: Int
    /// What deleting the tree would free: bytes in extents no other file shares, plus the
    /// file system's own structures the tree holds (`metadataBytes`).
    public var exclusiveBytes: Int
    /// The part of `exclusiveBytes` that is metadata: inodes, directory entries, extent items,
    /// inline data, estimated from the file system's own structures (`MetadataCost`).
    public var metadataBytes: Int = 0
    /// Allocated bytes in extents shared with files outside the tree (or within it): the
    /// allocation minus the exclusive data (`exclusiveBytes - metadataBytes`).
    public var sharedBytes: Int
    public var files: Int
    public var directories: Int
    public var symlinks: Int
    /// Entries that could not be read; their cost is counted as far as `fstatat` allowed.
    public var unreadable: [String]
    public var seconds: Double
    /// For an overlay workspace, the folder measured: its upper folder (what the agent wrote;
    /// the base below it is shared by every environment of the project state).
    public var measuredFolder: String?
    /// For an environment: the exclusive bytes of its volumes kept in cilo's home, and of its
    /// checkpoints (both within `exclusiveBytes`); nil where it has none.
    public var volumeExclusiveBytes: Int?
    public var checkpointExclusiveBytes: Int?

    public init(path: String, filesystem: String) {
        self.path = path
        self.filesystem = filesystem
        apparentBytes = 0
        allocatedBytes = 0
        exclusiveBytes = 0
        sharedBytes = 0
        files = 0
        directories = 0
        symlinks = 0
        unreadable = []
        seconds = 0
    }

    /// How much a full copy would have cost beyond this tree's own bytes, as a fraction of allocated.
    public var savedFraction: Double {
        allocatedBytes > 0 ? Double(sharedBytes) / Double(allocatedBytes) : 0
    }
}

/// The costs one worker (or one inode) adds up.
struct DiskCost: Sendable, Equatable {
    var apparent = 0
    var allocated = 0
    var exclusive = 0
    /// The part of `exclusive` that is the file system's metadata.
    var metadata = 0

    static func += (lhs: inout DiskCost, rhs: DiskCost) {
        lhs.apparent += rhs.apparent
        lhs.allocated += rhs.allocated
        lhs.exclusive += rhs.exclusive
        lhs.metadata += rhs.metadata
    }

    static func -= (lhs: inout DiskCost, rhs: DiskCost) {
        lhs.apparent -= rhs.apparent
        lhs.allocated -= rhs.allocated
        lhs.exclusive -= rhs.exclusive
        lhs.metadata -= rhs.metadata
    }
}
