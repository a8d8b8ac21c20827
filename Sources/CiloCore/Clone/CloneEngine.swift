#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import Dispatch
import SystemPackage

/// Clones a directory tree copy-on-write: a btrfs snapshot where it can, else a parallel
/// per-file clone (FICLONE → copy_file_range → read/write), exact in every attribute.
///
/// On any failure or cancellation the partial destination is removed before the error
/// is thrown: the caller never sees half a tree.
public struct CloneEngine: Sendable {
    public var options: CloneOptions

    public init(options: CloneOptions = CloneOptions()) {
        self.options = options
    }

    /// Clones `source` to `destination` (byte paths; `destination` must not exist or be an empty directory).
    public func clone(source: BytePath, destination: BytePath) throws(CiloError) -> CloneReport {
        try cloneKeepingTally(source: source, destination: destination).report
    }

    /// Clones as `clone` does and returns, besides the report, the manifest the walk recorded
    /// (every entry's new status and the source's); nil for a snapshot, which walks nothing.
    func cloneRecordingManifest(source: BytePath, destination: BytePath) async throws(CiloError) -> (report: CloneReport, manifest: TreeManifest?) {
        let engine = self
        return try await WorkerThreads.offload { () throws(CiloError) -> (report: CloneReport, manifest: TreeManifest?) in
            try engine.cloneRecordingManifestNow(source: source, destination: destination)
        }
    }

    /// `cloneRecordingManifest` on the calling thread (one of cilo's own, never the cooperative pool).
    func cloneRecordingManifestNow(source: BytePath, destination: BytePath) throws(CiloError) -> (report: CloneReport, manifest: TreeManifest?) {
        let recorded = try cloneRecording(source: source, destination: destination, manifest: true, fingerprint: false)
        return (recorded.report, recorded.manifest)
    }

    /// Clones on the calling thread, recording what is asked: the manifest (the copy's status
    /// beside the source's) and the source's fingerprint. Both nil for a snapshot, which walks nothing.
    func cloneRecording(
        source: BytePath, destination: BytePath, manifest wantsManifest: Bool, fingerprint wantsFingerprint: Bool
    ) throws(CiloError) -> (report: CloneReport, manifest: TreeManifest?, fingerprint: SourceFingerprint?) {
        var recording = self
        recording.options.recordsManifest = wantsManifest
        recording.options.fingerprintsSource = wantsFingerprint
        let (report, tally) = try recording.cloneKeepingTally(source: source, destination: destination)
        guard let tally else { return (report, nil, nil) }
        let fingerprint = wantsFingerprint ? tally.fingerprint : nil
        guard wantsManifest else { return (report, nil, fingerprint) }
        var manifest = TreeManifest()
        for entry in tally.manifest { manifest.entries[entry.path] = (entry.workspace, entry.source) }
        for path in tally.manifestLinked {
            do throws(Errno) {
                let now = try PathOpening.status(destination.bytes + [UInt8(ascii: "/")] + path)
                manifest.entries[path]?.workspace = TreeManifest.Stamp(now)
            } catch {
                throw .system(error, "cannot read a hard-linked entry's status", path: destination.appending(FileName(bytes: path)).display)
            }
        }
        return (report, manifest, fingerprint)
    }

    /// Clones, and clones again while the source changes under the walk (an entry gone or of
    /// another kind between being listed and read, a file written while copied): git packing
    /// loose objects after a commit removes them mid-walk, and a copy missing them is a broken
    /// repository. Each try starts from nothing after a pause that doubles (0.25 s to 4 s, 7.75 s
    /// in all); a source still changing after six tries is an error naming where.
    private func cloneKeepingTally(source: BytePath, destination: BytePath) throws(CiloError) -> (report: CloneReport, tally: CloneTally?) {
        var pause = 0.25
        for attempt in 1...6 {
            switch try cloneOnce(source: source, destination: destination) {
            case .cloned(let report, let tally):
                return (report, tally)
            case .sourceChanged(let path):
                guard attempt < 6 else {
                    throw CiloError(
                        .busy, "the source kept changing while it was cloned (\(attempt) tries, the last at \(path)); nothing was left at the destination: try again when it is still")
                }
                let deadline = DispatchTime.now() + pause
                while DispatchTime.now() < deadline {
                    if options.cancellation.isCancelled {
                        var cancelled = CiloError(.cancelled, "clone cancelled")
                        cancelled.note = "nothing was left at the destination"
                        throw cancelled
                    }
                    usleep(50_000)
                }
                pause *= 2
            }
        }
        throw CiloError(.failed, "unreachable: the clone's tries ran out", path: source.display)
    }

    /// How one try of a clone ended.
    private enum Try {
        case cloned(CloneReport, CloneTally?)
        /// The source changed under the walk at this path; the partial destination is gone.
        case sourceChanged(String)
    }

    private func cloneOnce(source: BytePath, destination: BytePath) throws(CiloError) -> Try {
        let start = DispatchTime.now()
        let jobs = max(1, options.jobs ?? CPUCapacity.usableCPUs())
        let plan = try ClonePlan(source: source, destination: destination, options: options)
        defer { plan.close() }

        if let snapshotError = try plan.snapshotIfPossible() {
            if options.strategy == .snapshot { throw snapshotError }
        } else {
            return .cloned(report(plan, strategy: "snapshot", tally: nil, jobs: 1, start: start), nil)
        }

        let turn = try waitForTurn()
        defer { turn?.unlock() }
        let destinationRoot = try plan.makeDestinationRoot()
        HostFacts.raiseOpenFileLimit()
        var skipped = options.skippedDirectories
        let destinationStatus: FileStatus
        do throws(Errno) { destinationStatus = try destinationRoot.status() } catch {
            throw .system(error, "cannot read the new workspace's folder", path: plan.destination.display)
        }
        skipped.insert(InodeKey(device: destinationStatus.device, inode: destinationStatus.inode))
        let settings = TreeCloner.Settings(
            strategy: options.strategy == .snapshot ? .auto : options.strategy,
            jobs: jobs,
            preserveOwnership: options.preserveOwnership ?? ProcessCapabilities.canChangeOwnership,
            noAccessTime: ProcessCapabilities.canActAsAnyOwner,
            creationMask: HostFacts.fileCreationMask,
            ownerID: HostFacts.effectiveUserID,
            groupID: HostFacts.effectiveGroupID,
            excludes: ExcludeMatcher(patterns: options.excludePatterns),
            skippedDirectories: skipped,
            sourceDisplay: source.display,
            destinationDisplay: destination.display,
            recordsManifest: options.recordsManifest, fingerprintsSource: options.fingerprintsSource)
        let cloner = TreeCloner(
            settings: settings, destinationRoot: destinationRoot, destinationDevice: plan.destinationDevice,
            cancellation: options.cancellation, progress: options.progress)
        do {
            let sourceRoot = try plan.takeSourceRoot()
            let tally = try cloner.run(source: sourceRoot, sourceStatus: plan.sourceStatus)
            destinationRoot.closeIgnoringErrors()
            return .cloned(report(plan, strategy: tally.strategyName(default: settings.strategy.firstMethod), tally: tally, jobs: jobs, start: start), tally)
        } catch {
            destinationRoot.closeIgnoringErrors()
            let removal = plan.removePartialDestination()
            if let changed = cloner.changedPath, removal == nil, error.code != .cancelled, !options.cancellation.isCancelled {
                return .sourceChanged(changed)
            }
            var failure = error
            if failure.code == .cancelled { failure.message = "clone cancelled" }
            failure.note = removal.map { "the partial destination could not be removed (\($0))" }
                ?? "nothing was left at the destination"

            throw failure
        }
    }

    /// Waits until no other per-file clone holds `turnLock`, polling so a cancellation
    /// still stops the wait.
    private func waitForTurn() throws(CiloError) -> FileLock? {
        guard let path = options.turnLock else { return nil }
        var told = false
        while true {
            do throws(Errno) {
                return try FileLock(path: path.bytes, wait: false)
            } catch {
                guard error == .wouldBlock else { throw .system(error, "cannot take the clone turn lock", path: path.display) }
            }
            if options.cancellation.isCancelled { throw CiloError(.cancelled, "clone cancelled") }
            if !told {
                options.onWaitingForTurn?()
                told = true
            }
            usleep(50_000)
        }
    }

    /// Whether `source` can be snapshotted into `folder`: the root of a btrfs subvolume on the
    /// same btrfs file system (what `auto` then does instead of any per-file clone).
    static func canSnapshot(source: BytePath, into folder: BytePath) -> Bool {
        // A folder that cannot be opened cannot be snapshotted: the clone that follows says why.
        guard let root = try? PathOpening.openDirectory(source.bytes) else { return false }
        defer { root.closeIgnoringErrors() }
        // A target folder that cannot be opened takes no snapshot; the clone names the problem.
        guard BtrfsSubvolume.isKnownSubvolumeRoot(root), let target = try? PathOpening.openDirectory(folder.bytes) else { return false }
        defer { target.closeIgnoringErrors() }
        return BtrfsSubvolume.onSameFileSystem(root, target)
    }

    /// `clone` for async callers: runs on its own threads, never blocking the cooperative pool.
    public func clone(source: BytePath, destination: BytePath) async throws(CiloError) -> CloneReport {
        let engine = self
        return try await WorkerThreads.offload { () throws(CiloError) -> CloneReport in
            try engine.clone(source: source, destination: destination)
        }
    }

    private func report(_ plan: ClonePlan, strategy: String, tally: CloneTally?, jobs: Int, start: DispatchTime) -> CloneReport {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return CloneReport(
            source: plan.source.display, destination: plan.destination.display, strategy: strategy,
            files: tally?.files, directories: tally.map { $0.directories + 1 }, symlinks: tally?.symlinks,
            hardlinks: tally?.hardlinks, fifos: tally?.fifos, bytes: tally?.bytes,
            cloned: tally?.cloned, rangeCopied: tally?.rangeCopied, copied: tally?.copied,
            skipped: tally?.skippedPaths.count, skippedPaths: tally?.skippedPaths.sorted() ?? [],
            excluded: tally?.excluded, warnings: tally?.warnings ?? [], jobs: jobs, seconds: seconds)
    }
}
