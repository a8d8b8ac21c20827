internal import CSupport
import SystemPackage

/// btrfs subvolume operations through their ioctls.
public enum BtrfsSubvolume {
    /// Whether `directory` is the root directory of a btrfs subvolume.
    public static func isSubvolumeRoot(_ directory: FileDescriptor) throws(Errno) -> Bool {
        try SystemCall.run { csupport_btrfs_is_subvolume_root(directory.rawValue) } == 1
    }

    /// Snapshots the subvolume open at `source` as `name` inside `parent`.
    ///
    /// The corresponding C call is `ioctl(parent, BTRFS_IOC_SNAP_CREATE_V2, …)`.
    public static func snapshot(
        _ source: FileDescriptor, into parent: FileDescriptor, name: FileName, readOnly: Bool = false
    ) throws(Errno) {
        try SystemCall.check {
            name.withCString { csupport_btrfs_snapshot(source.rawValue, parent.rawValue, $0, readOnly ? 1 : 0) }
        }
    }

    /// When the subvolume holding `directory` was made, if it is a snapshot of another (nil for a
    /// subvolume made empty).
    ///
    /// The corresponding C call is `ioctl(directory, BTRFS_IOC_GET_SUBVOL_INFO, …)`.
    public static func snapshotTime(_ directory: FileDescriptor) throws(Errno) -> FileTime? {
        var seconds: Int64 = 0
        var nanoseconds: Int64 = 0
        let answer = try SystemCall.run { csupport_btrfs_snapshot_time(directory.rawValue, &seconds, &nanoseconds) }
        return answer == 1 ? FileTime(seconds: seconds, nanoseconds: nanoseconds) : nil
    }

    /// Creates an empty subvolume `name` inside `parent`.
    ///
    /// The corresponding C call is `ioctl(parent, BTRFS_IOC_SUBVOL_CREATE, …)`.
    public static func create(_ name: FileName, in parent: FileDescriptor) throws(Errno) {
        try SystemCall.check { name.withCString { csupport_btrfs_subvolume_create(parent.rawValue, $0) } }
    }

    /// Deletes the subvolume `name` inside `parent`, with everything in it.
    ///
    /// The corresponding C call is `ioctl(parent, BTRFS_IOC_SNAP_DESTROY, …)`.
    public static func delete(_ name: FileName, in parent: FileDescriptor) throws(Errno) {
        try SystemCall.check { name.withCString { csupport_btrfs_subvolume_delete(parent.rawValue, $0) } }
    }

    /// The 16-byte UUID of the btrfs file system holding `descriptor`.
    /// Whether `directory` is known to be a subvolume's root: false when it is not, and when it
    /// cannot be told (not btrfs, or the ioctl refused), since either way it cannot be snapshotted.
    public static func isKnownSubvolumeRoot(_ directory: FileDescriptor) -> Bool {
        do throws(Errno) { return try isSubvolumeRoot(directory) } catch { return false }
    }

    /// Whether both descriptors are on one btrfs file system (their fsids match); false when
    /// either is not btrfs or cannot be asked.
    public static func onSameFileSystem(_ first: FileDescriptor, _ second: FileDescriptor) -> Bool {
        do throws(Errno) { return try fileSystemID(first) == fileSystemID(second) } catch { return false }
    }

    public static func fileSystemID(_ descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        var fsid = [UInt8](repeating: 0, count: 16)
        try SystemCall.check { fsid.withUnsafeMutableBufferPointer { csupport_btrfs_fsid(descriptor.rawValue, $0.baseAddress) } }
        return fsid
    }
}
