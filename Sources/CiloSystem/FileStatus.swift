#if canImport(Glibc)
import Glibc
#endif

/// The fields of `struct stat` that cilo uses, copied out of the C structure.
public struct FileStatus: Sendable, Equatable {
    /// The kind of a file, from the `S_IFMT` bits of its mode.
    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, fifo, socket, characterDevice, blockDevice, unknown
    }

    public var device: UInt64
    public var inode: UInt64
    /// The full `st_mode`, type bits included.
    public var mode: UInt32
    public var linkCount: UInt64
    public var userID: UInt32
    public var groupID: UInt32
    public var size: Int64
    /// `st_blocks`: allocated 512-byte units.
    public var blocks: Int64
    public var accessTime: FileTime
    public var modificationTime: FileTime
    /// `st_ctim`: when the inode last changed (content, mode, links, ...); nobody can set it.
    public var changeTime: FileTime
    /// `st_rdev`: the device a device file stands for.
    public var specialDevice: UInt64

    init(_ raw: stat) {
        device = UInt64(raw.st_dev)
        inode = UInt64(raw.st_ino)
        mode = UInt32(raw.st_mode)
        linkCount = UInt64(raw.st_nlink)
        userID = raw.st_uid
        groupID = raw.st_gid
        size = Int64(raw.st_size)
        blocks = Int64(raw.st_blocks)
        accessTime = FileTime(raw.st_atim)
        modificationTime = FileTime(raw.st_mtim)
        changeTime = FileTime(raw.st_ctim)
        specialDevice = UInt64(raw.st_rdev)
    }

    /// An overlay whiteout: a character device 0/0, how an overlay's upper layer says a file
    /// of the layer below was deleted.
    public var isOverlayWhiteout: Bool { kind == .characterDevice && specialDevice == 0 }

    /// The permission bits, setuid, setgid and sticky included (`mode & 07777`).
    public var permissions: UInt32 { mode & 0o7777 }

    /// The file's kind.
    public var kind: Kind {
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFREG): return .regular
        case UInt32(S_IFDIR): return .directory
        case UInt32(S_IFLNK): return .symbolicLink
        case UInt32(S_IFIFO): return .fifo
        case UInt32(S_IFSOCK): return .socket
        case UInt32(S_IFCHR): return .characterDevice
        case UInt32(S_IFBLK): return .blockDevice
        default: return .unknown
        }
    }

    /// Whether fewer bytes are allocated than the size needs: the file may have holes.
    public var mayBeSparse: Bool { blocks * 512 < size }
}

/// A file time with nanoseconds, as `struct timespec` holds it.
public struct FileTime: Sendable, Hashable {
    public var seconds: Int64
    public var nanoseconds: Int64

    public init(seconds: Int64, nanoseconds: Int64) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    init(_ raw: timespec) {
        self.init(seconds: Int64(raw.tv_sec), nanoseconds: Int64(raw.tv_nsec))
    }

    var timespecValue: timespec { timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds)) }
}

extension FileTime: Comparable {
    public static func < (left: FileTime, right: FileTime) -> Bool {
        (left.seconds, left.nanoseconds) < (right.seconds, right.nanoseconds)
    }
}
