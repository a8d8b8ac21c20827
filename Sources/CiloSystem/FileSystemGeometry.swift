internal import CSupport
import SystemPackage

/// What a file system's own structures are made of, where that decides what a tree costs.
public enum FileSystemGeometry {
    /// How many copies btrfs keeps of its metadata (DUP or RAID1: 2, RAID1C3: 3, single: 1).
    ///
    /// The corresponding C call is `ioctl(descriptor, BTRFS_IOC_SPACE_INFO, …)`.
    public static func btrfsMetadataCopies(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        Int(try SystemCall.run { csupport_btrfs_metadata_copies(descriptor.rawValue) })
    }

    /// The size of one XFS inode in bytes (256 or 512, fixed at mkfs).
    ///
    /// The corresponding C call is `ioctl(descriptor, XFS_IOC_FSGEOMETRY_V1, …)`.
    public static func xfsInodeSize(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        Int(try SystemCall.run { csupport_xfs_inode_size(descriptor.rawValue) })
    }
}
