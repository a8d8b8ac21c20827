import CiloSystem
import SystemPackage

/// The cost of one file named directly (`cilo du some-file`).
enum SingleFileCost {
    static func measure(
        _ file: FileDescriptor, status: FileStatus, readsExtents: Bool, metadata: MetadataCost, nameLength: Int, display: String
    ) -> DiskUsageTally {
        var tally = DiskUsageTally()
        let allocated = Int(status.blocks) * 512
        tally.cost = DiskCost(apparent: Int(status.size), allocated: allocated, exclusive: allocated)
        switch status.kind {
        case .regular:
            tally.files = 1
            var data = FileData(exclusive: allocated, extents: allocated > 0 ? 1 : 0, inlineBytes: 0)
            if readsExtents && allocated > 0 {
                do throws(Errno) {
                    data = try FileData(of: file, allocated: allocated, size: Int(status.size))
                } catch {
                    if !FileContentCopier<KernelFileData>.meansUnsupported(error) {
                        tally.unreadable.append("\(display): \(error)")
                    }
                }
            }
            tally.cost.metadata = metadata.entry(.regular, nameLength: nameLength, extents: data.extents, inlineBytes: data.inlineBytes)
            tally.cost.exclusive = data.exclusive + tally.cost.metadata
        case .symbolicLink:
            tally.symlinks = 1
            tally.cost.metadata = metadata.entry(.symbolicLink, nameLength: nameLength, size: Int(status.size))
            tally.cost.exclusive += tally.cost.metadata
        default:
            tally.cost.metadata = metadata.entry(status.kind, nameLength: nameLength)
            tally.cost.exclusive += tally.cost.metadata
        }
        return tally
    }
}

/// A regular file's data as FIEMAP describes it.
struct FileData: Equatable {
    /// Bytes in extents no other file shares, at most its allocation (FIEMAP lengths are
    /// logical: compressed extents take less room than they cover); inline data is not here.
    var exclusive: Int
    /// Data extents, the inline one excluded.
    var extents: Int
    /// Bytes stored inline in the file system's metadata (btrfs small files).
    var inlineBytes: Int

    init(exclusive: Int, extents: Int, inlineBytes: Int) {
        self.exclusive = exclusive
        self.extents = extents
        self.inlineBytes = inlineBytes
    }

    init(of file: FileDescriptor, allocated: Int, size: Int) throws(Errno) {
        let summary = try ExtentSummary(of: file)
        let inline = Int(summary.inlineBytes)
        exclusive = max(0, min(allocated, Int(summary.exclusiveBytes) - inline))
        extents = max(0, Int(summary.extents) - (inline > 0 ? 1 : 0))
        inlineBytes = inline > 0 ? min(size, inline) : 0
    }
}
