import CiloSystem
import Dispatch
import SystemPackage

/// Copying a running environment's state at one instant, its services frozen as briefly as the
/// file system allows.
extension EnvironmentState {
    /// Copies `record`'s state to `to` with its running services frozen while what they can
    /// write is copied: its volumes, and the folders of its workspace they mount writable. Where
    /// the workspace is copied by a snapshot (constant time), or a service mounts all of it, the
    /// whole copy is made frozen; otherwise the workspace is cloned first, unfrozen, and only
    /// those folders again, frozen. On failure nothing of the copy is left.
    /// - Returns: the copy and how long the services were frozen.
    func copyFrozen(_ record: EnvironmentRecord, to: Place, recordingManifest: Bool) async throws(CiloError) -> (copied: Copied, frozenSeconds: Double) {
        let from = place(of: record)
        guard let parent = to.tree.parentAndName?.parent else { throw CiloError(.invalidArgument, "no folder to copy into", path: to.tree.display) }
        try home.makeDirectory(parent).closeIgnoringErrors()
        let snapshots = await WorkerThreads.offload { CloneEngine.canSnapshot(source: from.tree, into: parent) }
        let binds = snapshots ? nil : WorkspaceBinds.writableFolders(composeFile: record.composeFile, workspace: record.workspace)
        let frozen = FrozenServices(context: context)
        guard let binds else {
            let result = try await frozen.whileFrozen(record) { () throws(CiloError) -> Copied in
                try await copy(from: from, to: to, recordingManifest: recordingManifest)
            }
            return (result.result, result.frozenSeconds)
        }
        let early = try await cloneTree(from.tree, to: to.tree, recordingManifest: recordingManifest)
        let engine = CloneEngine(options: CloneOptions(strategy: .auto, cancellation: cancellation))
        do throws(CiloError) {
            let result = try await frozen.whileFrozen(record) { () throws(CiloError) -> Copied in
                var workspace = early.report
                let start = DispatchTime.now()
                for folder in binds { try await recopy(folder, from: from.tree, to: to.tree, engine: engine) }
                workspace.seconds += Workspaces.seconds(since: start)
                let volumes = try await EnvironmentVolumes(context: context).copy(from: from.volumes, to: to.volumes)
                return Copied(workspace: workspace, manifest: early.manifest, volumes: volumes)
            }
            return (result.result, result.frozenSeconds)
        } catch {
            throw await removing(to, after: error)
        }
    }

    /// Copies `folder` (relative) of the tree `from` over its earlier copy in `to`, which goes first.
    private func recopy(_ folder: String, from: BytePath, to: BytePath, engine: CloneEngine) async throws(CiloError) {
        let components = folder.split(separator: "/").map { FileName(String($0)) }
        guard let name = components.last else { return }
        let source = components.reduce(from) { $0.appending($1) }
        let target = components.reduce(to) { $0.appending($1) }
        let targetParent = components.dropLast().reduce(to) { $0.appending($1) }
        let home = self.home
        try await WorkerThreads.offload { () throws(CiloError) in
            do throws(Errno) { try home.removeFolder(name, in: targetParent) } catch {
                throw .system(error, "cannot replace a folder the services write in the copy", path: target.display)
            }
        }
        do throws(Errno) {
            guard try PathOpening.statusIfPresent(source.bytes)?.kind == .directory else { return }
            guard try PathOpening.statusIfPresent(targetParent.bytes) != nil else { return }
        } catch {
            throw .system(error, "cannot read a folder the services write", path: source.display)
        }
        _ = try await engine.clone(source: source, destination: target)
    }
}
