import CiloSystem
import SystemPackage
import Synchronization

/// The parallel walk behind `DiskUsage`: worker threads pull open directories from one
/// shared queue (the clone engine's machinery), `fstatat` every entry and read the
/// extents of regular files with FIEMAP where the file system can share extents.
final class DiskUsageWalker: Sendable {
    struct Directory: Sendable {
        var descriptor: FileDescriptor
        var path: BytePath
        /// Its `st_dev`: on btrfs each subvolume has its own, so a child with another is a subvolume's root.
        var device: UInt64
    }

    let jobs: Int
    /// Whether extents can be shared here (btrfs, XFS); elsewhere exclusive = allocated without FIEMAP.
    let readsExtents: Bool
    /// What each entry costs in the file system's own structures.
    let metadata: MetadataCost
    let rootDisplay: String
    private let queue: WorkQueue<Directory>
    private let tallies = Mutex(DiskUsageTally())
    /// Costs of multiply-linked inodes already counted, so each counts once.
    let linkedInodes = Mutex<[InodeKey: DiskCost]>([:])
    /// Per btrfs subvolume met (by `st_dev`): when it was made if it is a snapshot, else nil.
    /// An entry of a snapshot unchanged since (its change time not later) still shares its
    /// b-tree leaves with the snapshot's origin: deleting the snapshot frees no metadata of it.
    private let snapshotTimes = Mutex<[UInt64: FileTime?]>([:])

    init(jobs: Int, readsExtents: Bool, metadata: MetadataCost, rootDisplay: String) {
        self.jobs = jobs
        self.readsExtents = readsExtents
        self.metadata = metadata
        self.rootDisplay = rootDisplay
        self.queue = WorkQueue(workers: jobs)
    }

    /// Walks the open directory `root` (closing it) and returns the totals.
    /// `rootNameLength`: the root's own name, whose entry in its folder goes with the tree.
    func run(root: FileDescriptor, rootStatus: FileStatus, rootNameLength: Int) -> DiskUsageTally {
        var rootTally = DiskUsageTally()
        rootTally.directories = 1
        rootTally.cost.allocated = Int(rootStatus.blocks) * 512
        noteSubvolume(root, device: rootStatus.device)
        rootTally.cost.metadata = ownMetadata(rootStatus, metadata.entry(.directory, nameLength: rootNameLength))
        rootTally.cost.exclusive = rootTally.cost.allocated + rootTally.cost.metadata
        tallies.withLock { $0.merge(rootTally) }
        queue.push(Directory(descriptor: root, path: BytePath(bytes: []), device: rootStatus.device))
        WorkerThreads.run(count: jobs) { _ in self.work() }
        return tallies.withLock { $0 }
    }

    private func work() {
        var tally = DiskUsageTally()
        while let directory = queue.next() {
            list(directory, tally: &tally)
            directory.descriptor.closeIgnoringErrors()
            queue.done()
        }
        tallies.withLock { $0.merge(tally) }
    }

    func display(_ path: BytePath) -> String {
        path.bytes.isEmpty ? rootDisplay : (rootDisplay.hasSuffix("/") ? rootDisplay : rootDisplay + "/") + path.display
    }

    private func list(_ directory: Directory, tally: inout DiskUsageTally) {
        let reader = DirectoryReader(directory: directory.descriptor)
        do throws(Errno) {
            try reader.forEachEntry { name, _ in
                measure(name, in: directory, tally: &tally)
                return true
            }
        } catch {
            tally.unreadable.append("\(display(directory.path)): \(error)")
        }
    }

    private func measure(_ name: FileName, in directory: Directory, tally: inout DiskUsageTally) {
        let status: FileStatus
        do throws(Errno) { status = try directory.descriptor.status(of: name) } catch {
            tally.unreadable.append("\(display(directory.path.appending(name))): \(error)")
            return
        }
        let allocated = Int(status.blocks) * 512
        switch status.kind {
        case .directory:
            tally.directories += 1
            let child: FileDescriptor
            do throws(Errno) { child = try directory.descriptor.openDirectory(name) } catch {
                let own = metadata.entry(.directory, nameLength: name.bytes.count)
                tally.cost += DiskCost(apparent: 0, allocated: allocated, exclusive: allocated + own, metadata: own)
                tally.unreadable.append("\(display(directory.path.appending(name))): \(error)")
                return
            }
            if status.device != directory.device { noteSubvolume(child, device: status.device) }
            let own = ownMetadata(status, metadata.entry(.directory, nameLength: name.bytes.count))
            tally.cost += DiskCost(apparent: 0, allocated: allocated, exclusive: ownAllocation(status, allocated) + own, metadata: own)
            queue.push(Directory(descriptor: child, path: directory.path.appending(name), device: status.device))
        case .regular:
            tally.files += 1
            let key = InodeKey(device: status.device, inode: status.inode)
            // A further link to an inode already counted costs nothing: decide before reading extents.
            if status.linkCount > 1 && !firstSighting(key, DiskCost()) { return }
            var data = FileData(exclusive: allocated, extents: allocated > 0 ? 1 : 0, inlineBytes: 0)
            if readsExtents && allocated > 0 { data = fileData(of: name, in: directory, allocated: allocated, size: Int(status.size), tally: &tally) }
            let own = ownMetadata(status, metadata.entry(.regular, nameLength: name.bytes.count, extents: data.extents, inlineBytes: data.inlineBytes))
            let cost = DiskCost(apparent: Int(status.size), allocated: allocated, exclusive: data.exclusive + own, metadata: own)
            if status.linkCount > 1 { linkedInodes.withLock { $0[key] = cost } }
            tally.cost += cost
        case .symbolicLink:
            tally.symlinks += 1
            let own = ownMetadata(status, metadata.entry(.symbolicLink, nameLength: name.bytes.count, size: Int(status.size)))
            let cost = DiskCost(apparent: Int(status.size), allocated: allocated, exclusive: ownAllocation(status, allocated) + own, metadata: own)
            if status.linkCount > 1 && !firstSighting(InodeKey(device: status.device, inode: status.inode), cost) { return }
            tally.cost += cost
        default:
            let own = ownMetadata(status, metadata.entry(status.kind, nameLength: name.bytes.count))
            tally.cost += DiskCost(apparent: 0, allocated: allocated, exclusive: ownAllocation(status, allocated) + own, metadata: own)
        }
    }

    /// Remembers whether the btrfs subvolume whose root is open at `root` is a snapshot, and since when.
    private func noteSubvolume(_ root: FileDescriptor, device: UInt64) {
        guard case .btrfs = metadata.model, snapshotTimes.withLock({ $0[device] == nil }) else { return }
        // A subvolume that cannot be asked is counted as one made empty: its metadata in full.
        let taken = (try? BtrfsSubvolume.snapshotTime(root)) ?? nil
        snapshotTimes.withLock { $0[device] = taken }
    }

    /// `bytes` of metadata of the entry, or none when it lies in a btrfs snapshot unchanged since.
    private func ownMetadata(_ status: FileStatus, _ bytes: Int) -> Int {
        sharedWithOrigin(status) ? 0 : bytes
    }

    /// What deleting the entry frees beyond its metadata, for what is not a regular file (whose
    /// extents say): its allocation (a btrfs symlink's inline target), none in a snapshot unchanged since.
    private func ownAllocation(_ status: FileStatus, _ allocated: Int) -> Int {
        sharedWithOrigin(status) ? 0 : allocated
    }

    /// Whether the entry lies in a btrfs snapshot and has not changed since it was taken.
    private func sharedWithOrigin(_ status: FileStatus) -> Bool {
        guard let taken = snapshotTimes.withLock({ $0[status.device] ?? nil }) else { return false }
        return status.changeTime <= taken
    }

    /// Records a multiply-linked inode; true the first time it is seen.
    private func firstSighting(_ key: InodeKey, _ cost: DiskCost) -> Bool {
        linkedInodes.withLock { seen in
            if seen[key] != nil { return false }
            seen[key] = cost
            return true
        }
    }

    /// A regular file's extents (delayed and unknown extents count as exclusive: they belong
    /// to this file alone); what cannot be read counts its whole allocation.
    private func fileData(of name: FileName, in directory: Directory, allocated: Int, size: Int, tally: inout DiskUsageTally) -> FileData {
        do throws(Errno) {
            do throws(Errno) {
                return try read(name, in: directory, noAccessTime: true, allocated: allocated, size: size)
            } catch .notPermitted {
                // O_NOATIME on a file we do not own: again without it.
                return try read(name, in: directory, noAccessTime: false, allocated: allocated, size: size)
            }
        } catch {
            if !FileContentCopier<KernelFileData>.meansUnsupported(error) {
                tally.unreadable.append("\(display(directory.path.appending(name))): \(error)")
            }
            return FileData(exclusive: allocated, extents: 1, inlineBytes: 0)
        }
    }

    private func read(_ name: FileName, in directory: Directory, noAccessTime: Bool, allocated: Int, size: Int) throws(Errno) -> FileData {
        let file = try directory.descriptor.openForReading(name, noAccessTime: noAccessTime)
        defer { file.closeIgnoringErrors() }
        return try FileData(of: file, allocated: allocated, size: size)
    }
}
