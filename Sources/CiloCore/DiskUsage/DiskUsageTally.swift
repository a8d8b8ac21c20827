/// Counts one disk-usage worker keeps; merged once at the end.
struct DiskUsageTally: Sendable {
    var cost = DiskCost()
    var files = 0
    var directories = 0
    var symlinks = 0
    var unreadable: [String] = []

    mutating func merge(_ other: DiskUsageTally) {
        cost += other.cost
        files += other.files
        directories += other.directories
        symlinks += other.symlinks
        unreadable += other.unreadable
    }
}
