import CiloSystem
import SystemPackage

/// What a tree's entries cost in the file system's own structures, which deleting the tree
/// frees too: on a reflink clone, where every data extent is shared, this is nearly all of it.
///
/// - btrfs: every entry has an inode item, an inode ref and, in its folder, a dir item and a
///   dir index (each item with its 25-byte leaf header, names included); a file adds one
///   file-extent item per extent and a back reference in the extent tree, or its data itself
///   when stored inline; all of it kept `copies` times (DUP metadata on one device: twice).
///   Measured against a deleted reflink clone of the kernel source: 8% under what it freed
///   (leaves are not completely full), where counting inline files by block said 18% under
///   and counting no metadata said nothing at all.
/// - XFS: one inode (256 or 512 bytes) per entry; folders' blocks are already their allocation.
/// - ext4 and others: inode tables are made at mkfs and never freed: nothing beyond blocks.
struct MetadataCost: Sendable {
    enum Model: Sendable, Equatable {
        case none
        case btrfs(copies: Int)
        case xfs(inodeSize: Int)
    }

    var model: Model
    /// Why the file system's geometry could not be read (the estimate then assumes one metadata
    /// copy, or 512-byte inodes); shown with the report's unreadable entries.
    var problem: String? = nil

    /// The model for the file system of the open `descriptor`.
    static func of(_ descriptor: FileDescriptor, kind: FileSystemFacts.Kind?) -> MetadataCost {
        do throws(Errno) {
            switch kind {
            case .btrfs?: return MetadataCost(model: .btrfs(copies: try FileSystemGeometry.btrfsMetadataCopies(descriptor)))
            case .xfs?: return MetadataCost(model: .xfs(inodeSize: try FileSystemGeometry.xfsInodeSize(descriptor)))
            default: return MetadataCost(model: .none)
            }
        } catch {
            let assumed: Model = kind == .btrfs ? .btrfs(copies: 1) : .xfs(inodeSize: 512)
            return MetadataCost(model: assumed, problem: "the metadata estimate assumes \(kind == .btrfs ? "one metadata copy" : "512-byte inodes"): "
                + "the file system's geometry cannot be read: \(error)")
        }
    }

    /// Bytes of metadata one entry holds: its inode and its name in its folder, its extents'
    /// items, and (btrfs) its inline data or a symbolic link's target.
    func entry(_ kind: FileStatus.Kind, nameLength: Int, extents: Int = 0, inlineBytes: Int = 0, size: Int = 0) -> Int {
        switch model {
        case .none:
            return 0
        case .xfs(let inodeSize):
            return inodeSize
        case .btrfs(let copies):
            let header = 25
            // inode item 160, inode ref 10 + name, dir item and dir index 30 + name each.
            var bytes = (160 + header) + (10 + nameLength + header) + 2 * (30 + nameLength + header)
            switch kind {
            case .regular:
                // A file-extent item (53) and the extent tree's back reference (about 40) per extent;
                // inline data lives in its file-extent item (21 + the data).
                bytes += extents * (53 + header + 40)
                if inlineBytes > 0 { bytes += 21 + header + inlineBytes }
            case .symbolicLink:
                bytes += 21 + header + size
            default:
                break
            }
            return bytes * copies
        }
    }
}
