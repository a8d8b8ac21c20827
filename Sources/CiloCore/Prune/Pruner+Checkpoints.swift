import CiloSystem
import Foundation

/// `cilo prune --checkpoints-older-than`: checkpoints kept longer than asked go.
extension Pruner {
    /// One checkpoint prune removed (or would remove).
    public struct PrunedCheckpoint: Sendable, Codable, Equatable {
        public var project: String
        public var env: String
        public var name: String
        public var createdAt: String
    }

    /// Removes the checkpoints of the environments in scope made longer ago than
    /// `checkpointsOlderThan` seconds, `initial` excepted (what `cilo reset` returns to). An
    /// environment another cilo works on keeps its checkpoints.
    func pruneCheckpoints(_ records: [EnvironmentRecord], into report: inout Report) async throws(CiloError) {
        guard let limit = options.checkpointsOlderThan else { return }
        for record in records {
            let owner = manager.forProject(record.project, root: record.source)
            let old = try owner.checkpoints.list(record.name).filter { checkpoint in
                guard checkpoint.kind != .initial, let age = TimeSpan.age(of: checkpoint.createdAt) else { return false }
                return age > limit
            }
            for checkpoint in old {
                let entry = PrunedCheckpoint(project: record.project, env: record.name, name: checkpoint.name, createdAt: checkpoint.createdAt)
                if !options.dryRun {
                    guard let lock = try manager.home.tryLock(manager.home.lockFile(project: record.project, env: record.name)) else { break }
                    defer { lock.unlock() }
                    try await owner.checkpoints.remove(record.name, name: checkpoint.name)
                }
                report.checkpoints.append(entry)
            }
        }
    }
}
