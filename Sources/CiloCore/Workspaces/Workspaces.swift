import CiloSystem
import Foundation
import SystemPackage

/// Environments' workspaces: copy-on-write clones of the source (a btrfs snapshot, reflinks,
/// or a copy) or overlays on a shared read-only base; what `cilo diff` later compares them
/// with; and the project's `env:` rules applied in them.
public struct Workspaces: EnvironmentCapability {
    public let context: EnvironmentContext

    /// Makes `record`'s workspace from its source with `strategy` (`.overlay`, or a clone) and
    /// records what diff compares it with: the overlay base, the source's commit, or (a source
    /// without git) a manifest or snapshot of the new workspace.
    func make(_ record: inout EnvironmentRecord, strategy: CloneStrategy, askedAt: BaseCheck) async throws(CiloError) -> CloneReport {
        let sourceDirectory = record.source
        let workspace = home.workspace(project: project.name, env: record.name)
        try home.makeDirectory(home.projectWorkspaces(project: project.name)).closeIgnoringErrors()
        let options = try cloneOptions(record.name, strategy: strategy == .overlay ? .auto : strategy)
        let cloner = CloneEngine(options: options)
        let report: CloneReport
        if strategy == .overlay {
            // The base (shared, read-only) is what diff compares with: no manifest of its own.
            report = try await makeOverlayWorkspace(&record, options: options, askedAt: askedAt)
        } else if record.baseCommit == nil {
            // Without git, diff compares with a manifest: the clone's walk records it as it goes;
            // a snapshot walks nothing, so its manifest takes a walk of its own.
            let cloned = try await cloner.cloneRecordingManifest(source: BytePath(sourceDirectory), destination: workspace)
            report = cloned.report
            if let manifest = cloned.manifest {
                try manifest.save(in: home.changesDirectory(project: record.project, env: record.name), home: home)
            } else if SnapshotBaseline.isAvailable {
                // No walk at all: a read-only snapshot of the new workspace is its baseline.
                _ = try await SnapshotBaseline.take(
                    of: workspace.display, in: home.changesDirectory(project: record.project, env: record.name), home: home)
            } else {
                try await recordManifestOfSnapshot(record)
            }
        } else {
            report = try await cloner.clone(source: BytePath(sourceDirectory), destination: workspace)
        }
        return report
    }

    /// The project's `env:` rules for one environment's workspace.
    func preparation(_ record: EnvironmentRecord) -> WorkspacePreparation {
        let suffix = EnvironmentNames(context: context).dnsSettings?.suffix ?? project.config.dnsSuffix ?? ".test"
        var tokens = record.composeVariables
        tokens["CILO_DNS_SUFFIX"] = suffix
        tokens["CILO_BASE_URL"] = "http://\(record.project).\(record.name)\(suffix)"
        return WorkspacePreparation(rules: project.config.env, workspace: record.workspace, tokens: tokens)
    }

    /// Runs the init hook and the render rules in the workspace (before a start renders compose).
    func prepareForStart(_ record: EnvironmentRecord) async throws(CiloError) {
        let preparation = preparation(record)
        try await preparation.runInitHook()
        for note in try preparation.renderFiles() { notice(note) }
    }

    /// For a source without git: what the workspace (and the source) were, for `cilo diff`.
    /// The manifest of a snapshot workspace (its clone walked nothing): one walk of it, whose
    /// stamps are the source's too.
    private func recordManifestOfSnapshot(_ record: EnvironmentRecord) async throws(CiloError) {
        let workspace = record.workspace
        let manifest = try await WorkerThreads.offload { () throws(CiloError) -> TreeManifest in
            try TreeManifest.record(snapshot: workspace)
        }
        try manifest.save(in: home.changesDirectory(project: record.project, env: record.name), home: home)
    }

    func cloneOptions(_ env: String, strategy: CloneStrategy) throws(CiloError) -> CloneOptions {
        var options = CloneOptions(
            strategy: strategy, excludePatterns: project.excludes, cancellation: cancellation,
            turnLock: home.path("locks", "clone-turn.lock"))
        let notice = notice
        options.onWaitingForTurn = { notice("\(env): waiting while another environment's workspace is cloned (clones take turns)") }
        // Never clone cilo's own home into a workspace (a project that holds it).
        let homeStatus: FileStatus
        do throws(Errno) { homeStatus = try PathOpening.status(home.root.bytes) } catch {
            throw .system(error, "cannot read cilo's home", path: home.root.display)
        }
        options.skippedDirectories = [InodeKey(device: homeStatus.device, inode: homeStatus.inode)]
        return options
    }
}
