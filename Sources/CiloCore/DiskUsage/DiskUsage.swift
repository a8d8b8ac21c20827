import CiloSystem
import Dispatch
import SystemPackage
import Synchronization

/// Honest disk accounting for directory trees: apparent, allocated and exclusive bytes.
///
/// `du` charges every reflinked copy its full size; `exclusiveBytes` comes from the
/// extents themselves (FIEMAP, `FIEMAP_EXTENT_SHARED`), so a fresh copy-on-write clone
/// costs about nothing and an edited one costs what was rewritten.
public struct DiskUsage: Sendable {
    /// Worker threads; nil means the usable CPUs.
    public var jobs: Int?

    public init(jobs: Int? = nil) {
        self.jobs = jobs
    }

    /// The result of measuring several paths: one report each, and a total that counts
    /// nested or repeated paths and hard links across them once.
    public struct Measurement: Sendable {
        public var reports: [DiskUsageReport]
        public var total: DiskUsageReport
    }

    /// Measures one path: a directory tree, or a single file.
    public func measure(_ path: BytePath) throws(CiloError) -> DiskUsageReport {
        try measureTracked(path).report
    }

    /// `measure` from async code, on a thread of its own (never blocking the cooperative pool).
    public func measureOffPool(_ path: BytePath) async throws(CiloError) -> DiskUsageReport {
        let engine = self
        return try await WorkerThreads.offload { () throws(CiloError) -> DiskUsageReport in try engine.measure(path) }
    }

    /// `measure` of several paths from async code, on a thread of its own.
    public func measureOffPool(_ paths: [BytePath]) async throws(CiloError) -> Measurement {
        let engine = self
        return try await WorkerThreads.offload { () throws(CiloError) -> Measurement in try engine.measure(paths) }
    }

    /// Measures several paths and totals them without double counting.
    public func measure(_ paths: [BytePath]) throws(CiloError) -> Measurement {
        var reports: [DiskUsageReport] = []
        var total = DiskUsageReport(path: "total", filesystem: "")
        var roots: [(key: InodeKey, ancestors: Set<InodeKey>)] = []
        var linked: [InodeKey: DiskCost] = [:]
        for path in paths {
            let measured = try measureTracked(path)
            reports.append(measured.report)
            // A path inside (or equal to) one already totalled adds nothing to the total.
            if roots.contains(where: { measured.ancestors.contains($0.key) }) { continue }
            // A path containing earlier ones replaces them in the total.
            let nested = roots.indices.filter { roots[$0].ancestors.contains(measured.key) }
            for index in nested.reversed() {
                subtract(reports[index], from: &total)
                roots.remove(at: index)
            }
            add(measured.report, to: &total)
            for (key, cost) in measured.linked {
                if linked[key] != nil {
                    total.apparentBytes -= cost.apparent
                    total.allocatedBytes -= cost.allocated
                    total.exclusiveBytes -= cost.exclusive
                    total.metadataBytes -= cost.metadata
                } else {
                    linked[key] = cost
                }
            }
            roots.append((measured.key, measured.ancestors))
        }
        total.sharedBytes = max(0, total.allocatedBytes - (total.exclusiveBytes - total.metadataBytes))
        let kinds = Set(reports.map(\.filesystem))
        total.filesystem = kinds.count == 1 ? kinds.first ?? "" : "mixed"
        return Measurement(reports: reports, total: total)
    }

    private func add(_ report: DiskUsageReport, to total: inout DiskUsageReport) {
        total.apparentBytes += report.apparentBytes
        total.allocatedBytes += report.allocatedBytes
        total.exclusiveBytes += report.exclusiveBytes
        total.metadataBytes += report.metadataBytes
        total.files += report.files
        total.directories += report.directories
        total.symlinks += report.symlinks
        total.unreadable += report.unreadable
        total.seconds += report.seconds
    }

    private func subtract(_ report: DiskUsageReport, from total: inout DiskUsageReport) {
        total.apparentBytes -= report.apparentBytes
        total.allocatedBytes -= report.allocatedBytes
        total.exclusiveBytes -= report.exclusiveBytes
        total.metadataBytes -= report.metadataBytes
        total.files -= report.files
        total.directories -= report.directories
        total.symlinks -= report.symlinks
    }

    private struct Tracked {
        var report: DiskUsageReport
        var key: InodeKey
        /// The path's own identity and every directory above it.
        var ancestors: Set<InodeKey>
        var linked: [InodeKey: DiskCost]
    }

    private func measureTracked(_ path: BytePath) throws(CiloError) -> Tracked {
        let start = DispatchTime.now()
        let status: FileStatus
        do throws(Errno) { status = try PathOpening.status(path.bytes) } catch {
            throw .system(error, error == .noSuchFileOrDirectory ? "no such file or directory" : "cannot read", path: path.display)
        }
        let key = InodeKey(device: status.device, inode: status.inode)
        let opened: FileDescriptor
        do throws(Errno) {
            opened = status.kind == .directory ? try PathOpening.openDirectory(path.bytes) : try PathOpening.openForReading(path.bytes)
        } catch {
            throw .system(error, "cannot open", path: path.display)
        }
        // Facts that cannot be read leave the figures plain (no extents, no metadata estimate), never wrong.
        let facts = try? FileSystemFacts(of: opened)
        var report = DiskUsageReport(path: path.display, filesystem: facts?.kind.rawValue ?? "other")
        let readsExtents = facts.map { $0.kind == .btrfs || $0.kind == .xfs } ?? false
        let metadata = MetadataCost.of(opened, kind: facts?.kind)
        let nameLength = path.parentAndName?.name.bytes.count ?? 1
        let ancestors: Set<InodeKey>
        do throws(Errno) {
            ancestors = status.kind == .directory
                ? try Self.ancestors(of: opened, status: status)
                : try Self.ancestors(ofFile: path, status: status)
        } catch {
            throw .system(error, "cannot read the folders above", path: path.display)
        }
        var linked: [InodeKey: DiskCost] = [:]
        if status.kind == .directory {
            HostFacts.raiseOpenFileLimit()
            let walker = DiskUsageWalker(
                jobs: max(1, jobs ?? CPUCapacity.usableCPUs()), readsExtents: readsExtents, metadata: metadata, rootDisplay: path.display)
            let tally = walker.run(root: opened, rootStatus: status, rootNameLength: nameLength)
            report.apply(tally)
            linked = walker.linkedInodes.withLock { $0 }
        } else {
            defer { opened.closeIgnoringErrors() }
            report.apply(SingleFileCost.measure(
                opened, status: status, readsExtents: readsExtents, metadata: metadata, nameLength: nameLength, display: path.display))
            if status.linkCount > 1 {
                linked[key] = DiskCost(
                    apparent: report.apparentBytes, allocated: report.allocatedBytes, exclusive: report.exclusiveBytes, metadata: report.metadataBytes)
            }
        }
        if let problem = metadata.problem { report.unreadable.append(problem) }
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return Tracked(report: report, key: key, ancestors: ancestors, linked: linked)
    }

    /// The identities of a file and of every directory above it.
    private static func ancestors(ofFile path: BytePath, status: FileStatus) throws(Errno) -> Set<InodeKey> {
        var keys: Set<InodeKey> = [InodeKey(device: status.device, inode: status.inode)]
        if let parent = path.parentAndName?.parent {
            let directory = try PathOpening.openDirectory(parent.bytes)
            defer { directory.closeIgnoringErrors() }
            keys.formUnion(try ancestors(of: directory, status: try directory.status()))
        }
        return keys
    }

    /// The identities of `descriptor` and every directory above it, up to `/`.
    private static func ancestors(of descriptor: FileDescriptor, status: FileStatus) throws(Errno) -> Set<InodeKey> {
        var keys: Set<InodeKey> = [InodeKey(device: status.device, inode: status.inode)]
        guard status.kind == .directory else { return keys }
        // O_PATH: climbing needs only search permission on each folder.
        var current = try descriptor.openDirectoryPath(FileName(".."))
        defer { current.closeIgnoringErrors() }
        for _ in 0..<4096 {
            let parentStatus = try current.status()
            guard keys.insert(InodeKey(device: parentStatus.device, inode: parentStatus.inode)).inserted else { break }  // "/" is its own parent
            let next = try current.openDirectoryPath(FileName(".."))
            current.closeIgnoringErrors()
            current = next
        }
        return keys
    }
}

extension DiskUsageReport {
    mutating func apply(_ tally: DiskUsageTally) {
        apparentBytes = tally.cost.apparent
        allocatedBytes = tally.cost.allocated
        exclusiveBytes = tally.cost.exclusive
        metadataBytes = tally.cost.metadata
        sharedBytes = max(0, allocatedBytes - (exclusiveBytes - metadataBytes))
        files = tally.files
        directories = tally.directories
        symlinks = tally.symlinks
        unreadable = tally.unreadable.sorted()
    }
}
