import CiloSystem
import SystemPackage
import Synchronization

/// The parallel per-file clone of one directory tree into another.
///
/// Workers pull directories and batches of entries from one shared queue. Every
/// operation is relative to a directory descriptor and every name is bytes, so names
/// need not be UTF-8 and paths may exceed PATH_MAX. A directory gets its final mode and
/// times only after its whole subtree is done (so read-only directories and directory
/// mtimes come out exact). The first error stops all workers.
final class TreeCloner: Sendable {
    /// Entries per queued batch: big directories are split so both cores work on them.
    static let batchSize = 128

    struct Settings: Sendable {
        var strategy: CloneStrategy
        var jobs: Int
        var preserveOwnership: Bool
        var noAccessTime: Bool
        /// The process umask: permissions it would strip need an explicit chmod.
        var creationMask: UInt32
        /// Who new files belong to (the effective IDs), read once.
        var ownerID: UInt32
        var groupID: UInt32
        var excludes: ExcludeMatcher
        var skippedDirectories: Set<InodeKey>
        /// Source root path for messages.
        var sourceDisplay: String
        var destinationDisplay: String
        /// Record each entry's new status beside the source's (`CloneTally.manifest`).
        var recordsManifest = false
        /// Fingerprint the source's entries (`CloneTally.fingerprint`).
        var fingerprintsSource = false
    }

    let settings: Settings
    let copier: FileContentCopier<KernelFileData>
    let hardLinks = HardLinkRegistry()
    let queue: WorkQueue<CloneWork>
    let cancellation: CancellationFlag
    let progress: CloneProgress
    let destinationRoot: FileDescriptor
    let destinationDevice: UInt64
    private let firstError = Mutex<CiloError?>(nil)
    private let firstChange = Mutex<String?>(nil)
    private let aborted = Atomic<Bool>(false)
    private let tallies = Mutex(CloneTally())

    init(settings: Settings, destinationRoot: FileDescriptor, destinationDevice: UInt64,
         cancellation: CancellationFlag, progress: CloneProgress) {
        self.settings = settings
        self.copier = FileContentCopier(operations: KernelFileData(), allowsFallback: settings.strategy.allowsFallback)
        self.queue = WorkQueue(workers: settings.jobs)
        self.destinationRoot = destinationRoot
        self.destinationDevice = destinationDevice
        self.cancellation = cancellation
        self.progress = progress
    }

    /// Clones the open `source` into the open, empty `destinationRoot`; closes both.
    func run(source: FileDescriptor, sourceStatus: FileStatus) throws(CiloError) -> CloneTally {
        let root = DirectoryNode(parent: nil, name: FileName("."), path: BytePath(bytes: []), sourceStatus: sourceStatus)
        root.source = source
        root.destination = destinationRoot
        queue.push(.directory(root))
        WorkerThreads.run(count: settings.jobs) { _ in self.work() }
        if let error = firstError.withLock({ $0 }) { throw error }
        if cancellation.isCancelled { throw CiloError(.cancelled, "clone cancelled") }
        return tallies.withLock { $0 }
    }

    /// Where the walk found the source changing under it (an entry gone, or of another kind,
    /// between being listed and read: git packing its objects, an agent at work), if it did.
    /// The clone stopped there; the engine clones again.
    var changedPath: String? { firstChange.withLock { $0 } }

    /// ENOENT, ENOTDIR, ELOOP on the source side: the entry went, or changed kind, after the
    /// walk listed it.
    static func meansChanged(_ error: Errno) -> Bool {
        error == .noSuchFileOrDirectory || error == .notDirectory || error == .tooManySymbolicLinkLevels
    }

    /// The error of a failed read of the source at `path`; one that `meansChanged` also marks the
    /// source as changing (and stops the clone, as every error does).
    func readFailure(_ error: Errno, _ action: String, path: BytePath) -> CiloError {
        if Self.meansChanged(error) { sourceChanged(at: path) }
        return .system(error, action, path: sourcePath(path))
    }

    /// Marks the source as changing at `path` (a file rewritten while it was copied).
    func sourceChanged(at path: BytePath) {
        firstChange.withLock { if $0 == nil { $0 = sourcePath(path) } }
    }

    private var isStopping: Bool { aborted.load(ordering: .relaxed) || cancellation.isCancelled }

    private func work() {
        var tally = CloneTally()
        while let item = queue.next() {
            switch item {
            case .directory(let node): process(node, tally: &tally)
            case .entries(let node, let entries): process(entries, of: node, tally: &tally)
            }
            queue.done()
        }
        tallies.withLock { $0.merge(tally) }
    }

    /// Records the first error and makes every worker stop.
    func fail(_ error: CiloError) {
        firstError.withLock { if $0 == nil { $0 = error } }
        aborted.store(true, ordering: .relaxed)
    }

    func sourcePath(_ path: BytePath) -> String { join(settings.sourceDisplay, path) }
    func destinationPath(_ path: BytePath) -> String { join(settings.destinationDisplay, path) }

    private func join(_ root: String, _ path: BytePath) -> String {
        path.bytes.isEmpty ? root : (root.hasSuffix("/") ? root : root + "/") + path.display
    }

    // MARK: directories

    private func process(_ node: DirectoryNode, tally: inout CloneTally) {
        if let parent = node.parent {
            defer { parent.releaseSource() }
            if isStopping {
                finish(parent, tally: &tally)
                return
            }
            do throws(Errno) {
                node.source = try parent.source.openDirectory(node.name)
            } catch {
                fail(readFailure(error, "cannot open source directory", path: node.path))
                finish(parent, tally: &tally)
                return
            }
            do throws(Errno) {
                node.destination = try parent.destination.openDirectory(node.name)
            } catch {
                node.source.closeIgnoringErrors()
                fail(.system(error, "cannot open destination directory", path: destinationPath(node.path)))
                finish(parent, tally: &tally)
                return
            }
        }
        list(node, tally: &tally)
        node.releaseSource()
        finish(node, tally: &tally)
    }

    private func list(_ node: DirectoryNode, tally: inout CloneTally) {
        copyExtendedAttributes(from: node.source, to: node.destination, path: node.path, tally: &tally)
        var batch: [PendingEntry] = []
        var failure: CiloError?
        let reader = DirectoryReader(directory: node.source)
        do throws(Errno) {
            try reader.forEachEntry { name, _ in
                if isStopping { return false }
                do throws(CiloError) {
                    try admit(name, in: node, batch: &batch, tally: &tally)
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
        } catch {
            failure = .system(error, "cannot list directory", path: sourcePath(node.path))
        }
        if let failure { fail(failure) }
        if isStopping { return }
        clone(batch, in: node, tally: &tally)
    }

    /// Sorts one listed entry: excluded, a child directory to queue, an entry to clone, or skipped.
    private func admit(_ name: FileName, in node: DirectoryNode, batch: inout [PendingEntry], tally: inout CloneTally) throws(CiloError) {
        if settings.excludes.excludes(name, in: node.path) {
            tally.excluded += 1
            return
        }
        let status: FileStatus
        do throws(Errno) { status = try node.source.status(of: name) } catch {
            throw readFailure(error, "cannot read source entry", path: node.path.appending(name))
        }
        switch status.kind {
        case .directory:
            try makeChildDirectory(name, status: status, in: node, tally: &tally)
        // The `where` is the character device's alone: an overlay upper layer's whiteout (a
        // deletion), kept when cilo may make one (forking an overlay workspace).
        case .regular, .symbolicLink, .fifo, .characterDevice where status.isOverlayWhiteout && settings.preserveOwnership:
            batch.append(PendingEntry(name: name, status: status))
            if batch.count == Self.batchSize {
                node.retain()
                queue.push(.entries(node, batch))
                batch = []
            }
        case .socket, .characterDevice, .blockDevice, .unknown:
            tally.skippedPaths.append(node.path.appending(name).display)
        }
    }

    private func makeChildDirectory(
        _ name: FileName, status: FileStatus, in node: DirectoryNode, tally: inout CloneTally
    ) throws(CiloError) {
        let key = InodeKey(device: status.device, inode: status.inode)
        if settings.skippedDirectories.contains(key) { return }
        let path = node.path.appending(name)
        do throws(Errno) {
            // Owner-only while it fills; the real mode comes last.
            try node.destination.makeDirectory(name, mode: 0o700)
        } catch {
            throw .system(error, "cannot create directory", path: destinationPath(path))
        }
        tally.directories += 1
        let child = DirectoryNode(parent: node, name: name, path: path, sourceStatus: status)
        node.retain()
        queue.push(.directory(child))
    }

    private func process(_ entries: [PendingEntry], of node: DirectoryNode, tally: inout CloneTally) {
        if !isStopping { clone(entries, in: node, tally: &tally) }
        node.releaseSource()
        finish(node, tally: &tally)
    }

    /// Marks one piece of `node`'s work done; when it was the last, applies the
    /// directory's own metadata (and records it in the manifest) and walks up to parents
    /// that are now complete too.
    private func finish(_ node: DirectoryNode, tally: inout CloneTally) {
        var current: DirectoryNode? = node
        while let directory = current, directory.finishWork() {
            if !isStopping {
                do throws(Errno) {
                    try applyMetadata(directory.sourceStatus, to: directory.destination)
                    if settings.fingerprintsSource { tally.fingerprint.add(directory.path.bytes, TreeManifest.Stamp(directory.sourceStatus)) }
                    if settings.recordsManifest {
                        let made = try directory.destination.status()
                        tally.manifest.append((directory.path.bytes, TreeManifest.Stamp(made), TreeManifest.Stamp(directory.sourceStatus)))
                    }
                } catch {
                    fail(.system(error, "cannot set directory metadata", path: destinationPath(directory.path)))
                }
            }
            if directory.parent != nil { directory.destination.closeIgnoringErrors() }
            current = directory.parent
        }
    }
}
