import Synchronization

/// Everything `CloneEngine` needs to know besides the two paths.
public struct CloneOptions: Sendable {
    public var strategy: CloneStrategy
    /// Worker threads; nil means the usable CPUs (cgroup quota aware).
    public var jobs: Int?
    /// Entry names (or, with a `/`, relative paths) to leave out, shell patterns as `fnmatch` reads them.
    public var excludePatterns: [String]
    /// Whether to copy owner and group; nil means when the process may (`CAP_CHOWN`).
    public var preserveOwnership: Bool?
    /// Set from another thread (a signal handler) to stop the clone and remove the partial copy.
    public var cancellation: CancellationFlag
    /// Live counters a caller may poll while the clone runs.
    public var progress: CloneProgress
    /// Directories (device, inode) never entered, e.g. cilo's own home.
    public var skippedDirectories: Set<InodeKey>
    /// A lock file per-file clones take turns on (snapshots never wait): each already keeps
    /// every CPU busy, so several at once only contend in the kernel. Four parallel creates
    /// of a 100,000-file tree on btrfs (2 CPUs) all finished after 16.5 s without it; taking
    /// turns, after 3.2, 6.1, 9.0 and 11.8 s.
    public var turnLock: BytePath?
    /// Called once when the clone has to wait for its turn (to tell the user why nothing moves).
    public var onWaitingForTurn: (@Sendable () -> Void)?
    /// Keep every entry's status, the new one and the source's, as the walk makes it: what
    /// `cilo diff` of a source without git compares with (`cloneRecordingManifest`).
    var recordsManifest = false
    /// Fingerprint the source as the walk lists it (`SourceFingerprint`): what an overlay base
    /// is reused by, with no status of the copy read.
    var fingerprintsSource = false

    public init(
        strategy: CloneStrategy = .auto,
        jobs: Int? = nil,
        excludePatterns: [String] = [],
        preserveOwnership: Bool? = nil,
        cancellation: CancellationFlag = CancellationFlag(),
        progress: CloneProgress = CloneProgress(),
        skippedDirectories: Set<InodeKey> = [],
        turnLock: BytePath? = nil
    ) {
        self.strategy = strategy
        self.jobs = jobs
        self.excludePatterns = excludePatterns
        self.preserveOwnership = preserveOwnership
        self.cancellation = cancellation
        self.progress = progress
        self.skippedDirectories = skippedDirectories
        self.turnLock = turnLock
    }
}

/// A file identity: device and inode number.
public struct InodeKey: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// A flag one thread raises and workers poll: how Ctrl-C reaches a running clone.
public final class CancellationFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    /// Asks every worker to stop.
    public func cancel() { raised.store(true, ordering: .relaxed) }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { raised.load(ordering: .relaxed) }
}

/// Counters updated by the clone workers, for a live progress line.
public final class CloneProgress: Sendable {
    private let filesDone = Atomic<Int>(0)
    private let bytesDone = Atomic<Int>(0)

    public init() {}

    /// Entries of any kind finished so far.
    public var files: Int { filesDone.load(ordering: .relaxed) }
    /// Bytes of regular-file data finished so far.
    public var bytes: Int { bytesDone.load(ordering: .relaxed) }

    func add(files: Int, bytes: Int) {
        filesDone.add(files, ordering: .relaxed)
        bytesDone.add(bytes, ordering: .relaxed)
    }
}
