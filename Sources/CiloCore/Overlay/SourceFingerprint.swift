import CiloSystem
import Synchronization
import SystemPackage

/// What a project's tree is, in 128 bits: every cloned entry's path and status (kind, mode,
/// size, modification and change times, inode), hashed and summed, so the order of a parallel
/// walk does not matter. A base is reused only while the source's fingerprint is the one its
/// clone recorded: any write, rename, creation or removal changes some entry's change time or
/// its folder's, which the kernel sets and no user can set back. Excluded entries, cilo's own
/// home and entries the clone skips (sockets, devices) are left out, as the clone leaves them.
struct SourceFingerprint: Equatable, Sendable, Codable {
    var entries: Int
    var low: UInt64
    var high: UInt64

    init(entries: Int = 0, low: UInt64 = 0, high: UInt64 = 0) {
        self.entries = entries
        self.low = low
        self.high = high
    }

    /// Adds one entry.
    mutating func add(_ path: [UInt8], _ stamp: TreeManifest.Stamp) {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325, second: UInt64 = 0x6c62_272e_07bb_0142
        for byte in path {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second &+ UInt64(byte)) &* 0x9e37_79b9_7f4a_7c15
        }
        // Field by field, no array: this runs for every entry of the clone and of each check.
        func fold(_ field: UInt64) {
            first = Self.mix(first ^ field)
            second = Self.mix(second &+ field &* 0xbf58_476d_1ce4_e5b9)
        }
        fold(UInt64(stamp.kind))
        fold(UInt64(stamp.mode))
        fold(UInt64(bitPattern: stamp.size))
        fold(UInt64(bitPattern: stamp.modified.seconds))
        fold(UInt64(bitPattern: stamp.modified.nanoseconds))
        fold(UInt64(bitPattern: stamp.changed.seconds))
        fold(UInt64(bitPattern: stamp.changed.nanoseconds))
        fold(stamp.inode)
        entries += 1
        low = low &+ first
        high = high &+ second
    }

    mutating func merge(_ other: SourceFingerprint) {
        entries += other.entries
        low = low &+ other.low
        high = high &+ other.high
    }

    /// splitmix64's finaliser.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Walks `source` in parallel (one `fstatat` per entry, nothing read) and fingerprints it
    /// as a clone with these exclusions would record it.
    static func of(source: BytePath, excludes: [String], skipping skipped: Set<InodeKey>, jobs: Int) throws(CiloError) -> SourceFingerprint {
        let root: FileDescriptor
        let rootStatus: FileStatus
        do throws(Errno) {
            root = try PathOpening.openDirectory(source.bytes)
            rootStatus = try root.status()
        } catch {
            throw .system(error, "cannot read the project", path: source.display)
        }
        let walk = FingerprintWalk(excludes: ExcludeMatcher(patterns: excludes), skipped: skipped, jobs: jobs)
        var fingerprint = try walk.run(root: root, source: source)
        fingerprint.add([], TreeManifest.Stamp(rootStatus))
        return fingerprint
    }
}

/// The parallel walk behind `SourceFingerprint.of`: worker threads share one queue of open
/// folders, as the clone's and disk usage's walks do.
private final class FingerprintWalk: Sendable {
    struct Folder: Sendable {
        var descriptor: FileDescriptor
        var path: BytePath
    }

    let excludes: ExcludeMatcher
    let skipped: Set<InodeKey>
    let jobs: Int
    private let queue: WorkQueue<Folder>
    private let total = Mutex(SourceFingerprint())
    private let failure = Mutex<CiloError?>(nil)

    init(excludes: ExcludeMatcher, skipped: Set<InodeKey>, jobs: Int) {
        self.excludes = excludes
        self.skipped = skipped
        self.jobs = max(1, jobs)
        self.queue = WorkQueue(workers: max(1, jobs))
    }

    func run(root: FileDescriptor, source: BytePath) throws(CiloError) -> SourceFingerprint {
        queue.push(Folder(descriptor: root, path: BytePath(bytes: [])))
        WorkerThreads.run(count: jobs) { _ in self.work(source: source) }
        if let error = failure.withLock({ $0 }) { throw error }
        return total.withLock { $0 }
    }

    private func work(source: BytePath) {
        var fingerprint = SourceFingerprint()
        while let folder = queue.next() {
            do throws(Errno) {
                if failure.withLock({ $0 == nil }) { try list(folder, into: &fingerprint) }
            } catch {
                let path = folder.path.bytes.isEmpty ? source : source.appending(FileName(bytes: folder.path.bytes))
                failure.withLock { if $0 == nil { $0 = .system(error, "cannot read the project", path: path.display) } }
            }
            folder.descriptor.closeIgnoringErrors()
            queue.done()
        }
        total.withLock { $0.merge(fingerprint) }
    }

    private func list(_ folder: Folder, into fingerprint: inout SourceFingerprint) throws(Errno) {
        var failed: Errno?
        try DirectoryReader(directory: folder.descriptor).forEachEntry { name, _ in
            if excludes.excludes(name, in: folder.path) { return true }
            do throws(Errno) {
                let status = try folder.descriptor.status(of: name)
                let path = folder.path.appending(name)
                switch status.kind {
                case .directory:
                    if skipped.contains(InodeKey(device: status.device, inode: status.inode)) { return true }
                    fingerprint.add(path.bytes, TreeManifest.Stamp(status))
                    queue.push(Folder(descriptor: try folder.descriptor.openDirectory(name), path: path))
                case .regular, .symbolicLink, .fifo:
                    fingerprint.add(path.bytes, TreeManifest.Stamp(status))
                case .socket, .characterDevice, .blockDevice, .unknown:
                    break
                }
                return true
            } catch {
                // Gone or of another kind since it was listed (git packing objects): the folder's own
                // stamp moved with it, so the fingerprint differs as it should; the walk goes on.
                if TreeCloner.meansChanged(error) { return true }
                failed = error
                return false
            }
        }
        if let failed { throw failed }
    }
}
