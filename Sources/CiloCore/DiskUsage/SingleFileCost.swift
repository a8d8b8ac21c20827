import CiloSystem
import SystemPackage

/// The cost of one file named directly (`cilo du some-file`).
enum SingleFileCost {
    static func measure(_ file: FileDescriptor, status: FileStatus, readsExtents: Bool, display: String) -> DiskUsageTally {
        var tally = DiskUsageTally()
        let allocated = Int(status.blocks) * 512
        tally.cost = DiskCost(apparent: Int(status.size), allocated: allocated, exclusive: allocated)
        switch status.kind {
        case .regular:
            tally.files = 1
            if readsExtents && allocated > 0 {
                do throws(Errno) {
                    tally.cost.exclusive = try exclusiveBytes(of: file, allocated: allocated)
                } catch {
                    if !FileContentCopier<KernelFileData>.meansUnsupported(error) {
                        tally.unreadable.append("\(display): \(error)")
                    }
                }
            }
        case .symbolicLink:
            tally.symlinks = 1
        default:
            break
        }
        return tally
    }

    /// The file's extents not shared with any other file, at most its allocation (FIEMAP
    /// lengths are logical: compressed extents take less room than they cover).
    static func exclusiveBytes(of file: FileDescriptor, allocated: Int) throws(Errno) -> Int {
        min(allocated, Int(try ExtentSummary(of: file).exclusiveBytes))
    }
}
