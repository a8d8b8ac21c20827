import CiloSystem
import Foundation
import SystemPackage

/// Removing what an environment is made of: its Docker objects, the images it built, its
/// sandbox, cilo's files of it, its workspace and, last, its record.
public struct EnvironmentRemoval: EnvironmentCapability {
    public let context: EnvironmentContext

    /// Removes everything of `record` with the project's own `shared_grace:`.
    func removeEverything(_ record: EnvironmentRecord, keepWorkspace: Bool) async throws(CiloError) {
        try await removeEverything(record, keepWorkspace: keepWorkspace, sharedGrace: project.config.sharedGraceSeconds)
    }

    /// Removes those of `images` that no other environment of the project records and no
    /// container uses; any doubt (a damaged record in the project) keeps them all.
    func removeImages(_ images: [String], of record: EnvironmentRecord) async throws(CiloError) {
        guard !images.isEmpty else { return }
        let others = try store.allReadable(project: record.project)
        guard others.damaged.filter({ $0.env != record.name }).isEmpty else { return }
        let used = Set(others.records.filter { $0.name != record.name }.flatMap { $0.images ?? [] })
        for image in images where !used.contains(image) { try await engine.removeImageIfUnused(image) }
    }

    /// Removes the environment's Docker objects, generated files, workspace and record
    /// (the caller holds its lock). The record goes last: whatever stops this half-way
    /// leaves a record that says what is left to do. `sharedGrace`: the project's `shared_grace:`
    /// (nil: the one written when it joined its shared services).
    func removeEverything(_ record: EnvironmentRecord, keepWorkspace: Bool, sharedGrace: Double?) async throws(CiloError) {
        // A create that never started made nothing of Docker's, so it needs no engine to undo;
        // anything else does: without one its containers and volumes would outlive the record.
        let engineAnswers = await engine.answers()
        if !engineAnswers && record.status != .creating {
            throw CiloError(.failed, "Docker is not reachable: start it to remove \(record.project)/\(record.name) cleanly")
        }
        if engineAnswers {
            // Shared services leave its networks first: Docker removes no network still in use.
            try await SharedServices(home: home, engine: engine).leave(record, grace: sharedGrace)
            for left in try await engine.removeLabelled(project: record.project, env: record.name) { warn(left) }
            try await removeImages(record.images ?? [], of: record)
        }
        try await EnvironmentSandbox(context: context).remove(record)
        for area in ["generated", "changes"] {
            do throws(Errno) { try home.removeFolder(record.name, in: home.path(area, record.project)) } catch {
                throw .system(error, "cannot delete cilo's files of the environment", path: home.path(area, record.project, record.name).display)
            }
        }
        let mounted = try OverlayWorkspace.isMounted(BytePath(record.workspace))
        if record.overlayBase != nil || mounted {
            if keepWorkspace {
                try await Workspaces(context: context).keepOverlayAsFolder(record)
            } else {
                try await Workspaces(context: context).removeOverlay(record)
            }
        }
        // Large trees take a while: on a thread of cilo's, never the cooperative pool. The
        // volumes' data goes after Docker's volumes (their folders are no longer bound).
        let removeWorkspace = !keepWorkspace
        try await WorkerThreads.offload { () throws(CiloError) in
            for (area, what) in [("volumes", "the environment's volumes"), ("checkpoints", "the environment's checkpoints")] {
                do throws(Errno) { try home.removeFolder(record.name, in: home.path(area, record.project)) } catch {
                    throw .system(error, "cannot delete \(what)", path: home.path(area, record.project, record.name).display)
                }
            }
            guard removeWorkspace else { return }
            do throws(Errno) { try home.removeFolder(record.name, in: home.projectWorkspaces(project: record.project)) } catch {
                throw .system(error, "cannot delete the workspace", path: record.workspace)
            }
        }
        try WorkspaceDiskCache(home: home).remove(project: record.project, env: record.name)
        try store.remove(project: record.project, env: record.name)
    }
}
