import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// What a restore did.
public struct RestoreReport: Codable, Sendable, Equatable {
    /// The checkpoint restored.
    public var checkpoint: String
    /// The checkpoint now holding the state the restore replaced; nil with `--discard`.
    public var replacedBy: String?
    /// Copying the checkpoint back and swapping it in, services stopped (their stop and start not counted).
    public var restoreSeconds: Double
    /// How the workspace was put back, and each volume.
    public var workspaceStrategy: String
    public var volumes: [VolumeCopy]
}

extension Checkpoints {
    /// Puts checkpoint `name`'s state back in `record` (the caller holds its lock and has
    /// stopped its services): copies of it are made beside the live state, then swapped in by
    /// atomic exchanges, so the workspace and each volume folder are at every moment whole,
    /// old or new. The state replaced becomes a checkpoint (`keepReplaced`) or is deleted.
    func restore(_ record: EnvironmentRecord, name: String, keepReplaced: Bool) async throws(CiloError) -> RestoreReport {
        let start = DispatchTime.now()
        guard let checkpoint = try load(record.name, name) else {
            throw CiloError(.notFound, "environment '\(record.name)' has no checkpoint '\(name)' (cilo checkpoints \(record.name) lists them)")
        }
        guard checkpoint.overlay == (record.overlayBase != nil) else {
            throw CiloError(.damaged, "checkpoint '\(name)' holds \(checkpoint.overlay ? "an overlay's upper folder" : "a whole workspace"), which '\(record.name)''s workspace is not")
        }
        let state = EnvironmentState(context: context)
        let live = state.place(of: record)
        let staging = EnvironmentState.Place(tree: Self.sibling(live.tree, suffix: ".restoring"), volumes: Self.sibling(live.volumes, suffix: ".restoring"))
        try await state.remove(staging)
        let saved = folder(of: record.name).appending(FileName(name))
        // A workspace diffed by manifest: the checkpoint carries its own, and so does the state replaced.
        let manifest = try TreeManifest.load(from: saved)
        let replacedManifest = try liveManifest(record)
        let copied = try await state.copy(from: place(saved), to: staging, recordingManifest: manifest != nil)
        if record.overlayBase != nil { _ = try OverlayWorkspace.unmount(BytePath(record.workspace)) }
        try Self.swap(staging.tree, live.tree)
        try Self.swap(staging.volumes, live.volumes)
        if let manifest {
            try (copied.manifest.map(manifest.forked(by:)) ?? manifest).save(in: home.changesDirectory(project: record.project, env: record.name), home: home)
        }
        try await Workspaces(context: context).mount(record)
        let seconds = Workspaces.seconds(since: start)
        var replacedBy: String?
        if keepReplaced {
            replacedBy = try await keepReplacedState(staging, of: record, manifest: replacedManifest)
        } else {
            try await state.remove(staging)
        }
        return RestoreReport(checkpoint: name, replacedBy: replacedBy, restoreSeconds: seconds, workspaceStrategy: copied.workspace.strategy, volumes: copied.volumes)
    }

    /// Moves the state a restore replaced (at `staging`) into a checkpoint of its own, `replaced-<time>`.
    private func keepReplacedState(_ staging: EnvironmentState.Place, of record: EnvironmentRecord, manifest: TreeManifest?) async throws(CiloError) -> String {
        var name = "replaced-" + Checkpoint.timestampName()
        var suffix = 1
        while try load(record.name, name) != nil {
            suffix += 1
            name = "replaced-" + Checkpoint.timestampName() + "-\(suffix)"
        }
        let partial = try freshPartial(record.name, name)
        let target = place(partial)
        for (from, to) in [(staging.tree, target.tree), (staging.volumes, target.volumes)] {
            do throws(Errno) {
                guard try PathOpening.statusIfPresent(from.bytes) != nil else { continue }
                guard let (fromParent, fromName) = from.parentAndName, let (toParent, toName) = to.parentAndName else { continue }
                let source = try PathOpening.openDirectory(fromParent.bytes)
                defer { source.closeIgnoringErrors() }
                let destination = try PathOpening.openDirectory(toParent.bytes)
                defer { destination.closeIgnoringErrors() }
                try source.rename(fromName, to: toName, in: destination)
            } catch {
                throw .system(error, "cannot keep the replaced state as checkpoint \(name)", path: from.display)
            }
        }
        // Moved, not copied: every stamp is as the live manifest recorded it.
        try manifest?.save(in: partial, home: home)
        let checkpoint = Checkpoint(
            name: name, kind: .replaced, createdAt: ISO8601DateFormatter().string(from: Date()), pausedSeconds: 0,
            workspaceStrategy: "moved", volumes: [], overlay: record.overlayBase != nil)
        try finish(checkpoint, partial: partial, env: record.name)
        return name
    }

    /// `.<name><suffix>` beside `path`.
    static func sibling(_ path: BytePath, suffix: String) -> BytePath {
        guard let (parent, name) = path.parentAndName else { return path }
        return parent.appending(FileName(bytes: Array(".".utf8) + name.bytes + Array(suffix.utf8)))
    }

    /// Exchanges `staged` and `live` atomically (a live one missing: `staged` is renamed to it).
    private static func swap(_ staged: BytePath, _ live: BytePath) throws(CiloError) {
        guard let (parent, stagedName) = staged.parentAndName, let (_, liveName) = live.parentAndName else { return }
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(parent.bytes)
            defer { directory.closeIgnoringErrors() }
            guard try directory.statusIfPresent(of: stagedName) != nil else { return }
            if try directory.statusIfPresent(of: liveName) == nil {
                try directory.rename(stagedName, to: liveName)
            } else {
                try directory.exchange(stagedName, with: liveName)
            }
        } catch {
            throw .system(error, "cannot put the checkpoint's copy in place", path: live.display)
        }
    }
}
