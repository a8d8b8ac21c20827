import CiloSystem

/// What `cilo restore` and `cilo reset` did: the restore, and the environment after it.
public struct RestoreOutcome: Sendable {
    public var report: RestoreReport
    public var record: EnvironmentRecord
    /// Whether its services were started again (they ran before).
    public var started: Bool
}

/// Checkpoints of an environment, each action one transaction under its lock.
extension EnvironmentManager {
    public var checkpoints: Checkpoints { Checkpoints(context: context) }

    /// Takes a checkpoint of `env` (a timestamp name when `name` is nil), its services frozen meanwhile.
    public func checkpoint(_ env: String, name: String?) async throws(CiloError) -> Checkpoint {
        let name = try name.map(NameRules.checkpointName) ?? Checkpoint.timestampName()
        return try await withLock(env) { _ throws(CiloError) -> Checkpoint in
            let record = try usableRecord(env)
            return try await checkpoints.take(record, name: name, kind: name == Checkpoint.initialName ? .initial : .manual)
        }
    }

    /// The checkpoints of `env`, oldest first; `measuring`: with their exclusive bytes.
    public func listCheckpoints(_ env: String, measuring: Bool) async throws(CiloError) -> [Checkpoint] {
        _ = try record(env)
        var found = try checkpoints.list(env)
        guard measuring else { return found }
        for index in found.indices {
            let folder = checkpoints.folder(of: env).appending(FileName(found[index].name))
            found[index].exclusiveBytes = try await DiskUsage().measureOffPool(folder).exclusiveBytes
        }
        return found
    }

    /// Removes checkpoint `name` of `env`.
    public func removeCheckpoint(_ env: String, name: String) async throws(CiloError) {
        let name = try NameRules.checkpointName(name)
        try await withLock(env) { _ throws(CiloError) in
            _ = try record(env)
            try await checkpoints.remove(env, name: name)
        }
    }

    /// Puts checkpoint `name` of `env` back: its services stopped, workspace and volumes
    /// replaced by copies of the checkpoint's, started again if they ran. The state replaced is
    /// kept as a checkpoint unless `discard`.
    public func restore(_ env: String, checkpoint name: String, discard: Bool) async throws(CiloError) -> RestoreOutcome {
        let name = try NameRules.checkpointName(name)
        return try await withLock(env) { _ throws(CiloError) -> RestoreOutcome in
            var record = try usableRecord(env)
            guard try checkpoints.load(env, name) != nil else {
                let reason = name == Checkpoint.initialName
                    ? "it is kept at an environment's first successful up where a copy is cheap (a snapshot or overlay workspace on btrfs or XFS); "
                        + "cilo checkpoint \(env) initial keeps one anyway"
                    : "cilo checkpoints \(env) lists them"
                throw CiloError(.notFound, "environment '\(env)' has no checkpoint '\(name)' (\(reason))")
            }
            // Services a killed fork or checkpoint left frozen run again first, as for an up: a
            // restore stopped by Ctrl-C before it stops them must not leave them frozen.
            try await FrozenServices(context: context).thawLeftovers(env)
            let wasRunning = try await stack.isRunning(record) || record.status == .partial
            if wasRunning || record.status == .running || record.status == .failed {
                try await engine.requireEngine()
                // Killed at once: the state they would save on the way out is replaced (or kept as
                // it stands, crash-consistent like every checkpoint).
                try await stack.stop(record, killing: true)
                record.status = .stopped
                try store.save(record)
            }
            let report: RestoreReport
            do throws(CiloError) { report = try await checkpoints.restore(record, name: name, keepReplaced: !discard) } catch {
                // The live state is whole (old, or the checkpoint's where the swap was done).
                if cancellation.isCancelled {
                    throw CiloError(.cancelled, "restore of '\(env)' cancelled; its services are stopped (cilo up \(env) starts them)", cause: error)
                }
                guard wasRunning else { throw error }
                var failure = error
                do throws(CiloError) { try await startLocked(&record, rendered: nil, request: EnvironmentRequest(env: env)) } catch let starting {
                    failure.note = "and starting its services again failed too (\(starting.description))"
                }
                throw failure
            }
            if wasRunning {
                try await startLocked(&record, rendered: nil, request: EnvironmentRequest(env: env))
            }
            return RestoreOutcome(report: report, record: record, started: wasRunning)
        }
    }

    /// Keeps the state right after `record`'s first successful up as checkpoint `initial`, where
    /// a copy costs little: a snapshot workspace (constant time) or an overlay one (its upper
    /// folder only), on a home whose file system shares extents (btrfs, XFS with reflink), so
    /// volumes are not copied byte by byte either. A reflink workspace is left out: cloning every
    /// file of a large tree again would slow every first up by as much as its create.
    /// What fails is a warning; where it would cost a full copy, `explain` says so.
    func keepInitialState(_ record: EnvironmentRecord) async {
        let home = self.home
        let sharing: Bool
        do throws(CiloError) {
            sharing = try await WorkerThreads.offload { () throws(CiloError) -> Bool in
                let info = try FileSystemInfo.of(home.root, probeReflink: true)
                return info.type == "btrfs" || info.reflink == true
            }
        } catch {
            warn("\(record.name): no initial checkpoint for cilo reset: the file system of cilo's home cannot be read (\(error.description))")
            return
        }
        guard [.snapshot, .overlay].contains(record.cloneStrategy), record.volumeFolder != nil, sharing else {
            explain("\(record.name): no initial checkpoint for cilo reset: a copy of its state would not share extents here "
                + "(cilo checkpoint \(record.name) initial keeps one anyway)")
            return
        }
        do throws(CiloError) {
            guard try checkpoints.load(record.name, Checkpoint.initialName) == nil else { return }
            _ = try await checkpoints.take(record, name: Checkpoint.initialName, kind: .initial)
        } catch {
            warn("\(record.name): its initial state was not kept, so cilo reset cannot return to it: \(error.description)")
        }
    }

    /// The record of `env`, refused when it is being made or destroyed.
    private func usableRecord(_ env: String) throws(CiloError) -> EnvironmentRecord {
        let record = try record(env)
        guard record.status.isSettled else {
            throw CiloError(.failed, "environment '\(env)' is \(record.status.rawValue): finish that first (cilo doctor --fix)")
        }
        return record
    }
}
