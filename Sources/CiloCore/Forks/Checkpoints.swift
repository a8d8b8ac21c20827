import CiloSystem
import Foundation
import SystemPackage

/// An environment's checkpoints: its state (workspace and volumes) copied at one instant, its
/// running services frozen meanwhile, kept in `checkpoints/<project>/<env>/<name>` (the copy
/// is made in `.<name>.partial` and renamed when whole, so a checkpoint cilo was killed making
/// is absent, never half there). Restoring one puts copies of it back (`Checkpoints+Restore`).
public struct Checkpoints: EnvironmentCapability {
    public let context: EnvironmentContext

    static let metaName = FileName("checkpoint.json")
    static let treeName = FileName("tree")
    static let volumesName = FileName("volumes")

    func folder(of env: String) -> BytePath { home.checkpointFolder(project: project.name, env: env) }

    /// Where checkpoint `name`'s parts are, in `folder` (its own, or its partial one).
    func place(_ folder: BytePath) -> EnvironmentState.Place {
        EnvironmentState.Place(tree: folder.appending(Self.treeName), volumes: folder.appending(Self.volumesName))
    }

    /// The checkpoints of `env`, oldest first.
    func list(_ env: String) throws(CiloError) -> [Checkpoint] {
        var found: [Checkpoint] = []
        for name in try home.entryNames(in: folder(of: env)) {
            if let checkpoint = try load(env, name) { found.append(checkpoint) }
        }
        return found.sorted { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }
    }

    /// Checkpoint `name` of `env`, nil when there is none.
    func load(_ env: String, _ name: String) throws(CiloError) -> Checkpoint? {
        try StateFile.load(Checkpoint.self, Self.metaName, in: folder(of: env).appending(FileName(name)), what: "checkpoint \(name) of \(env)")
    }

    /// Takes checkpoint `name` of `record` (the caller holds its lock): its state copied with its
    /// services frozen. A name taken is refused.
    func take(_ record: EnvironmentRecord, name: String, kind: Checkpoint.Kind) async throws(CiloError) -> Checkpoint {
        if try load(record.name, name) != nil {
            throw CiloError(.alreadyExists, "environment '\(record.name)' has a checkpoint '\(name)' (cilo checkpoint \(record.name) --rm \(name) removes it)")
        }
        let partial = try freshPartial(record.name, name)
        let state = EnvironmentState(context: context)
        let manifest = try liveManifest(record)
        let frozen = try await state.copyFrozen(record, to: place(partial), recordingManifest: manifest != nil)
        let checkpoint = Checkpoint(
            name: name, kind: kind, createdAt: ISO8601DateFormatter().string(from: Date()), pausedSeconds: frozen.frozenSeconds,
            workspaceStrategy: frozen.copied.workspace.strategy, volumes: frozen.copied.volumes, overlay: record.overlayBase != nil)
        if let manifest { try (frozen.copied.manifest.map(manifest.forked(by:)) ?? manifest).save(in: partial, home: home) }
        try finish(checkpoint, partial: partial, env: record.name)
        return checkpoint
    }

    /// Removes checkpoint `name` of `env` (the caller holds its lock).
    func remove(_ env: String, name: String) async throws(CiloError) {
        guard try load(env, name) != nil else {
            throw CiloError(.notFound, "environment '\(env)' has no checkpoint '\(name)' (cilo checkpoints \(env) lists them)")
        }
        let folder = folder(of: env), home = self.home
        try await WorkerThreads.offload { () throws(CiloError) in
            do throws(Errno) { try home.removeFolder(name, in: folder) } catch {
                throw .system(error, "cannot delete checkpoint \(name)", path: folder.appending(FileName(name)).display)
            }
        }
    }

    /// The manifest `record`'s workspace is diffed with (a source without git, not a snapshot
    /// baseline, not an overlay): a copy of its state carries one of its own.
    func liveManifest(_ record: EnvironmentRecord) throws(CiloError) -> TreeManifest? {
        guard record.overlayBase == nil, record.baseCommit == nil else { return nil }
        guard case .manifest(let manifest) = try WorkspaceBaseline.load(from: home.changesDirectory(project: record.project, env: record.name)) else { return nil }
        return manifest
    }

    /// An empty `.<name>.partial` folder (one a killed cilo left is removed first).
    func freshPartial(_ env: String, _ name: String) throws(CiloError) -> BytePath {
        let folder = folder(of: env)
        let partialName = ".\(name).partial"
        do throws(Errno) { try home.removeFolder(partialName, in: folder) } catch {
            throw .system(error, "cannot delete a checkpoint left half-made", path: folder.appending(FileName(partialName)).display)
        }
        let partial = folder.appending(FileName(partialName))
        try home.makeDirectory(partial).closeIgnoringErrors()
        return partial
    }

    /// Writes the checkpoint's note in its partial folder and renames it to its name: whole from now on.
    func finish(_ checkpoint: Checkpoint, partial: BytePath, env: String) throws(CiloError) {
        try StateFile.save(checkpoint, Self.metaName, in: partial, home: home, what: "checkpoint \(checkpoint.name)")
        let folder = folder(of: env)
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            try directory.rename(FileName(".\(checkpoint.name).partial"), to: FileName(checkpoint.name))
        } catch {
            throw .system(error, "cannot keep checkpoint \(checkpoint.name)", path: folder.display)
        }
    }
}
