import CiloSystem
import Foundation

/// `cilo prune`: removes environments nobody uses any more (stopped ones, old ones) and the
/// images cilo built that no environment uses. An environment another cilo works on (a
/// create in flight) is left alone; so is one whose state file is damaged (`cilo doctor`).
public struct Pruner: Sendable {
    public struct Options: Sendable {
        /// Environments created longer ago than this many seconds.
        public var olderThan: Double?
        /// Environments not running (stopped, failed, created and never started).
        public var stopped = false
        public var allProjects = false
        public var dryRun = false
        /// Checkpoints made longer ago than this many seconds (`initial` excepted).
        public var checkpointsOlderThan: Double?

        public init() {}
    }

    /// One environment prune looked at.
    public struct Environment: Sendable, Codable, Equatable {
        /// The engine it lives on; nil: this machine.
        public var engine: String?
        public var project: String
        public var env: String
        public var status: String
        /// Why it goes (`stopped`, `3 d old`), or why it stays (`another cilo is working on it`).
        public var reason: String
        /// Its workspace's last measured exclusive bytes, when cilo measured it.
        public var workspaceBytes: Int?
    }

    /// What prune removed (or, `dryRun`, would remove).
    public struct Report: Sendable, Codable {
        public var dryRun: Bool
        public var removed: [Environment] = []
        public var kept: [Environment] = []
        public var images: [DockerClient.BuiltImage] = []
        public var checkpoints: [PrunedCheckpoint] = []
        /// Docker's build cache (`docker system df`): shown, not pruned (Docker cannot tell cilo's from the rest).
        public var buildCache: String?
        /// Engines that did not answer (their environments were left alone).
        public var warnings: [String]?
    }

    public let manager: EnvironmentManager
    public let options: Options

    public init(manager: EnvironmentManager, options: Options) {
        self.manager = manager
        self.options = options
    }

    public func run() async throws(CiloError) -> Report {
        try await manager.engine.requireEngine()
        var report = Report(dryRun: options.dryRun)
        let scope = options.allProjects ? nil : manager.project.name
        let readable = try manager.store.allReadable(project: scope)
        let containers = try await manager.engine.managedContainers(project: scope, env: nil)
        let cache = WorkspaceDiskCache(home: manager.home)
        for stored in readable.records where options.stopped || options.olderThan != nil {
            let record = stored.reconciled(with: containers)
            guard let reason = why(record) else { continue }
            var entry = Environment(engine: nil, project: record.project, env: record.name, status: record.status.rawValue, reason: reason,
                                    workspaceBytes: cache.load(project: record.project, env: record.name)?.exclusiveBytes)
            if record.status == .creating {
                entry.reason = "being created"
                report.kept.append(entry)
                continue
            }
            if options.dryRun {
                report.removed.append(entry)
                continue
            }
            let owner = manager.forProject(record.project, root: record.source)
            let destroyed = try await owner.destroyIfIdle(record.name) { current in
                current.status != .creating && why(current.reconciled(with: containers)) != nil
            }
            if destroyed {
                report.removed.append(entry)
            } else {
                entry.reason = "another cilo is working on it"
                report.kept.append(entry)
            }
        }
        for key in readable.damaged {
            report.kept.append(Environment(engine: nil, project: key.project, env: key.env, status: "damaged", reason: "its state file cannot be read (cilo doctor)"))
        }
        let removedNames = Set(report.removed.map { "\($0.project)/\($0.env)" })
        try await pruneCheckpoints(readable.records.filter { !removedNames.contains("\($0.project)/\($0.name)") }, into: &report)
        report.images = try await unusedImages(scope: scope)
        if !options.dryRun {
            for image in report.images {
                if let tag = image.tag { try await manager.engine.removeImageIfUnused(tag) }
            }
            try await manager.engine.removeDanglingBuiltImages(project: scope)
        }
        // Only shown: what prune removed stays reported when Docker cannot say it.
        do throws(CiloError) {
            report.buildCache = try await manager.engine.buildCache().map { "\($0.bytes) (\($0.reclaimable) reclaimable)" }
        } catch {
            report.buildCache = "an unknown amount (\(error.description))"
        }
        return report
    }

    /// Why `record` goes, nil when it stays: every filter given must hold.
    private func why(_ record: EnvironmentRecord) -> String? {
        var reasons: [String] = []
        if options.stopped {
            guard [.stopped, .failed, .created, .destroying].contains(record.status) else { return nil }
            reasons.append(record.status.rawValue)
        }
        if let olderThan = options.olderThan {
            guard let age = TimeSpan.age(of: record.createdAt), age > olderThan else { return nil }
            reasons.append("made \(ByteFormatting.duration(age)) ago")
        }
        return reasons.joined(separator: ", ")
    }

    /// Images cilo built for the projects in scope that no environment of the home records
    /// (after the removals) and no container was made from (a shared service's): tagged ones no
    /// record names, and dangling ones.
    private func unusedImages(scope: String?) async throws(CiloError) -> [DockerClient.BuiltImage] {
        let everything = try manager.store.allReadable()
        // A damaged record may name any image of its project: those are kept.
        let doubtful = Set(everything.damaged.map(\.project))
        let used = Set(everything.records.flatMap { $0.images ?? [] })
        var unused: [DockerClient.BuiltImage] = []
        for image in try await manager.engine.builtImages()
        where (scope == nil || image.project == scope) && !doubtful.contains(image.project) && !(image.tag.map(used.contains) ?? false) {
            if try await !manager.engine.imageInUse(image.tag ?? image.id) { unused.append(image) }
        }
        return unused
    }
}
