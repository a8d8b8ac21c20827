import CiloSystem
import SystemPackage
import Synchronization

/// One directory of a clone in progress.
///
/// A node's destination descriptor stays open until its whole subtree is done, so its
/// final mode and times can be applied last. Its source descriptor stays open while
/// anything still reads from it: its own listing, its queued file batches and its
/// child directories not yet opened.
final class DirectoryNode: Sendable {
    let parent: DirectoryNode?
    /// The name inside the parent (unused for the root).
    let name: FileName
    /// The path relative to the clone root, for reports and hard-link targets.
    let path: BytePath
    let sourceStatus: FileStatus
    /// Set once, by the worker that opens the directory, before any work for it is queued.
    var source: FileDescriptor {
        get { FileDescriptor(rawValue: sourceDescriptor.load(ordering: .acquiring)) }
        set { sourceDescriptor.store(newValue.rawValue, ordering: .releasing) }
    }
    var destination: FileDescriptor {
        get { FileDescriptor(rawValue: destinationDescriptor.load(ordering: .acquiring)) }
        set { destinationDescriptor.store(newValue.rawValue, ordering: .releasing) }
    }
    private let sourceDescriptor = Atomic<Int32>(-1)
    private let destinationDescriptor = Atomic<Int32>(-1)

    /// Work not finished in this subtree: the listing, queued file batches, incomplete child directories.
    private let pending = Atomic<Int>(1)
    /// Users of `source`: the listing, queued file batches, child directories not yet opened.
    private let sourceUsers = Atomic<Int>(1)

    init(parent: DirectoryNode?, name: FileName, path: BytePath, sourceStatus: FileStatus) {
        self.parent = parent
        self.name = name
        self.path = path
        self.sourceStatus = sourceStatus
    }

    /// The names from the root down to this directory.
    var components: [FileName] {
        var names: [FileName] = []
        var node: DirectoryNode? = self
        while let current = node, current.parent != nil {
            names.append(current.name)
            node = current.parent
        }
        return names.reversed()
    }

    /// Registers one more piece of work that reads `source` and must finish before this subtree.
    func retain() {
        pending.add(1, ordering: .relaxed)
        sourceUsers.add(1, ordering: .relaxed)
    }

    /// A user of `source` is finished with it; closes it after the last one.
    func releaseSource() {
        if sourceUsers.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            source.closeIgnoringErrors()
        }
    }

    /// A piece of this subtree's work is finished. Returns true when it was the last.
    func finishWork() -> Bool {
        pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }
}

/// One non-directory entry waiting to be cloned.
struct PendingEntry: Sendable {
    var name: FileName
    var status: FileStatus
}

/// What a worker pulls from the queue.
enum CloneWork: Sendable {
    /// A directory that exists in the destination and has yet to be opened and listed.
    case directory(DirectoryNode)
    /// A batch of entries of one directory, split off so big directories spread over workers.
    case entries(DirectoryNode, [PendingEntry])
}
