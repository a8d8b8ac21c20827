import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// What `cilo fork` did: how long the copies took, how long the source's services were frozen
/// and how each part was copied.
public struct ForkReport: Codable, Sendable, Equatable {
    /// The environment forked.
    public var from: String
    /// The whole fork before any start: the copies, the new environment's baseline and render.
    public var forkSeconds: Double
    /// How long the source's services were frozen (0 when none ran).
    public var pausedSeconds: Double
    /// How the workspace (or an overlay workspace's upper folder) was copied.
    public var workspaceStrategy: String
    public var workspaceSeconds: Double
    /// How each volume was copied.
    public var volumes: [VolumeCopy]
}

/// Making an environment as a copy of another one of the project: `cilo fork`, `--fork`.
extension EnvironmentManager {
    /// A new environment whose workspace and volumes are copy-on-write copies of `from`'s taken
    /// at one instant, `from`'s running services frozen meanwhile (the caller holds the new
    /// environment's lock; `from`'s is taken here). Its own subnet, names and compose project.
    func forkLocked(_ request: EnvironmentRequest, from: String) async throws(CiloError) -> Created {
        let start = DispatchTime.now()
        // `from`'s lock is held while it is read and copied, never while the fork renders.
        let made = try await withLock(from) { _ throws(CiloError) -> MadeCopy in try await copyLocked(from, request: request) }
        var record = made.record
        do throws(CiloError) {
            try await workspaces.mount(record, creating: true)
            try await forkBaseline(made.baseline, to: record, copied: made.copied)
            record.cloneSeconds = made.copied.workspace.seconds
            if record.overlayBase == nil, let method = EnvironmentRecord.WorkspaceMethod(reportName: made.copied.workspace.strategy) {
                record.cloneStrategy = method
            }
            let rendered = try await renderNew(&record, request: request, freshCopy: false)
            let report = ForkReport(
                from: from, forkSeconds: Workspaces.seconds(since: start), pausedSeconds: made.frozenSeconds,
                workspaceStrategy: (record.overlayBase == nil ? "" : "overlay upper folder: ") + made.copied.workspace.strategy,
                workspaceSeconds: made.copied.workspace.seconds,
                volumes: made.copied.volumes)
            return Created(record: record, report: made.copied.workspace, rendered: rendered, fork: report)
        } catch {
            throw await rollBackCreate(record, after: error)
        }
    }

    /// What `copyLocked` made.
    private struct MadeCopy: Sendable {
        var record: EnvironmentRecord
        var baseline: WorkspaceBaseline?
        var copied: EnvironmentState.Copied
        var frozenSeconds: Double
    }

    /// Reads `from` (its lock held), records the new environment and copies `from`'s state into
    /// it with its services frozen. On failure nothing of the new environment is left.
    private func copyLocked(_ from: String, request: EnvironmentRequest) async throws(CiloError) -> MadeCopy {
        guard let source = try store.load(project: project.name, env: from) else {
            throw CiloError(.notFound, "no environment '\(from)' in project '\(project.name)' to fork (cilo list shows them)")
        }
        guard source.status.isSettled else {
            throw CiloError(.failed, "environment '\(from)' is \(source.status.rawValue): it cannot be forked")
        }
        guard source.volumeFolder != nil else {
            throw CiloError(
                .unsupported,
                "environment '\(from)' was made before cilo kept volumes in its home: Docker keeps its data, which a fork cannot copy "
                    + "(cilo down \(from) && cilo up \(from) moves them)")
        }
        var record = forkRecord(of: source, request: request)
        do throws(CiloError) {
            record.subnet = try await network.reserve(for: record)
        } catch where cancellation.isCancelled {
            throw CiloError(.cancelled, "fork of '\(from)' cancelled; nothing of it was left", cause: error)
        }
        // Saved before anything is copied: a fork killed half-way is a `creating` record, removed
        // by the next create of its name or `cilo doctor --fix`; an overlay base it names stays.
        try store.save(record)
        do throws(CiloError) {
            let state = EnvironmentState(context: context)
            let baseline = try sourceBaseline(source)
            var recordsManifest = false
            if case .manifest = baseline { recordsManifest = true }
            let frozen = try await state.copyFrozen(source, to: state.place(of: record), recordingManifest: recordsManifest)
            return MadeCopy(record: record, baseline: baseline, copied: frozen.copied, frozenSeconds: frozen.frozenSeconds)
        } catch {
            throw await rollBackCreate(record, after: error)
        }
    }

    /// The new environment's record: `source`'s, with its own name, paths and compose project.
    private func forkRecord(of source: EnvironmentRecord, request: EnvironmentRequest) -> EnvironmentRecord {
        var record = source
        let env = request.env
        record.schemaVersion = RecordMigration.currentVersion
        record.name = env
        record.subnet = ""
        record.workspace = home.workspace(project: project.name, env: env).display
        record.composeFile = home.generatedDirectory(project: project.name, env: env).appending(FileName("compose.yml")).display
        record.composeProject = EnvironmentRecord.dockerName(project: project.name, env: env)
        record.createdAt = ISO8601DateFormatter().string(from: Date())
        record.status = .creating
        record.services = []
        record.lastError = nil
        record.volumeFolder = home.volumeFolder(project: project.name, env: env).display
        record.forkedFrom = source.name
        record.sourceFingerprint = nil
        record.sandbox = nil
        record.addedHostnames = nil
        if !request.limits.isEmpty { record.limits = request.limits.over(source.limits ?? ResourceLimits()) }
        if !request.sharing.isEmpty { record.sharing = (source.sharing ?? SharingChoice()).updated(with: request.sharing) }
        return record
    }

    /// What `source`'s workspace is diffed with, when cilo keeps it (a source without git, not an overlay).
    private func sourceBaseline(_ source: EnvironmentRecord) throws(CiloError) -> WorkspaceBaseline? {
        guard source.overlayBase == nil, source.baseCommit == nil else { return nil }
        return try WorkspaceBaseline.load(from: home.changesDirectory(project: source.project, env: source.name))
    }

    /// The fork's baseline: the same comparison as `source`'s, carried to the copy. An overlay
    /// compares with its base and git with its commit, which the record carries.
    private func forkBaseline(_ baseline: WorkspaceBaseline?, to fork: EnvironmentRecord, copied: EnvironmentState.Copied) async throws(CiloError) {
        let folder = home.changesDirectory(project: fork.project, env: fork.name)
        switch baseline {
        case .manifest(let manifest):
            // A snapshot keeps every stamp, so the manifest holds as it is; a walked copy re-keys it.
            try (copied.manifest.map(manifest.forked(by:)) ?? manifest).save(in: folder, home: home)
        case .snapshot(let snapshot):
            _ = try await SnapshotBaseline.take(of: snapshot.base.display, in: folder, home: home)
        case .overlay, nil:
            break
        }
    }
}
