import CiloSystem
import Dispatch
import SystemPackage

/// An environment's state as fork, checkpoint and restore copy it: its workspace's own tree
/// (the workspace, or an overlay workspace's upper folder, whose base is shared and read-only)
/// and its volumes' folder. Copies are made with the clone engine: a btrfs snapshot where the
/// tree is a subvolume, reflinks on XFS and btrfs, a copy elsewhere; never a sharing of data
/// that a write in one could show in the other.
public struct EnvironmentState: EnvironmentCapability {
    public let context: EnvironmentContext

    /// Where a state's two parts are.
    struct Place: Sendable {
        /// The workspace, or an overlay workspace's upper folder.
        var tree: BytePath
        /// The volumes' folder (one folder per volume).
        var volumes: BytePath
    }

    /// What copying a state did.
    struct Copied: Sendable {
        var workspace: CloneReport
        /// What the clone's walk recorded (nil for a snapshot, which walks nothing).
        var manifest: TreeManifest?
        var volumes: [VolumeCopy]
    }

    /// Where `record`'s live state is.
    func place(of record: EnvironmentRecord) -> Place {
        let tree = record.overlayBase == nil
            ? BytePath(record.workspace) : OverlayWorkspace(home: home, project: record.project, env: record.name).upper
        return Place(tree: tree, volumes: BytePath(record.volumeFolder ?? home.volumeFolder(project: record.project, env: record.name).display))
    }

    /// Copies the state at `from` to `to` (neither part there yet). `recordingManifest`: the
    /// workspace clone records its walk (a fork of a workspace diffed by manifest). On failure
    /// nothing of the copy is left.
    func copy(from: Place, to: Place, recordingManifest: Bool) async throws(CiloError) -> Copied {
        if let parent = to.tree.parentAndName?.parent { try home.makeDirectory(parent).closeIgnoringErrors() }
        let cloned = try await cloneTree(from.tree, to: to.tree, recordingManifest: recordingManifest)
        do throws(CiloError) {
            let volumes = try await EnvironmentVolumes(context: context).copy(from: from.volumes, to: to.volumes)
            return Copied(workspace: cloned.report, manifest: cloned.manifest, volumes: volumes)
        } catch {
            throw await removing(to, after: error)
        }
    }

    /// Clones the workspace tree `from` to `to`, recording its walk when asked.
    func cloneTree(_ from: BytePath, to: BytePath, recordingManifest: Bool) async throws(CiloError) -> (report: CloneReport, manifest: TreeManifest?) {
        let engine = CloneEngine(options: CloneOptions(strategy: .auto, cancellation: cancellation))
        if recordingManifest { return try await engine.cloneRecordingManifest(source: from, destination: to) }
        return (try await engine.clone(source: from, destination: to), nil)
    }

    /// Removes the partial copy at `to` after `error`. - Returns: the error to say, with what
    /// the removal could not do in its note.
    func removing(_ to: Place, after error: CiloError) async -> CiloError {
        var failure = error
        do throws(CiloError) { try await remove(to) } catch let cleanup {
            failure.note = "and removing the copy failed too (\(cleanup.description))"
        }
        return failure
    }

    /// Deletes both parts of a state (missing ones are fine), on a thread of cilo's.
    func remove(_ place: Place) async throws(CiloError) {
        let home = self.home
        try await WorkerThreads.offload { () throws(CiloError) in
            for (path, what) in [(place.tree, "a copy of a workspace"), (place.volumes, "a copy of volumes")] {
                guard let (parent, name) = path.parentAndName else { continue }
                do throws(Errno) { try home.removeFolder(name, in: parent) } catch {
                    throw .system(error, "cannot delete \(what)", path: path.display)
                }
            }
        }
    }
}
