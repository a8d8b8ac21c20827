import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// Overlay workspaces: choosing them, their shared bases, mounting and unmounting.
extension Workspaces {
    /// Why this process cannot give environments overlay workspaces here, nil when it can.
    public func overlayUnavailableReason() -> String? { Self.overlayUnavailableReason(home: home) }

    /// Why this process cannot mount overlay workspaces in `home`, nil when it can: the right
    /// to mount, then a trial mount of empty folders in the home (`OverlayWorkspace.probe`), so
    /// a file system overlayfs refuses as upper is found before any base is cloned.
    static func overlayUnavailableReason(home: CiloHome) -> String? {
        guard ProcessCapabilities.isAdministrator else {
            return "mounting needs CAP_SYS_ADMIN, which cilo (uid \(HostFacts.effectiveUserID)) does not have"
        }
        let root: FileDescriptor
        do throws(CiloError) { root = try home.makeDirectory(home.root) } catch { return error.description }
        defer { root.closeIgnoringErrors() }
        let facts: FileSystemFacts
        do throws(Errno) { facts = try FileSystemFacts(of: root) } catch {
            return "the file system of cilo's home \(home.root.display) cannot be read (\(error))"
        }
        if facts.kind == .overlay { return "cilo's home \(home.root.display) is on overlayfs, which overlayfs cannot use as upper" }
        if facts.isReadOnly { return "cilo's home \(home.root.display) is on a read-only file system" }
        return OverlayWorkspace.probe(home)
    }

    /// The workspace strategy of a new environment: `auto` is a snapshot where one can be taken,
    /// else an overlay where cilo may mount (unless `workspace: clone`), else a per-file clone.
    func strategy(_ requested: CloneStrategy, source: String) async throws(CiloError) -> CloneStrategy {
        let setting = project.config.workspace
        let wantsOverlay = requested == .overlay || (requested == .auto && setting == .overlay)
        let home = self.home
        // The checks stat, open and mount: on a thread of their own, off the cooperative pool.
        let unavailable = { () async -> String? in await WorkerThreads.offload { Self.overlayUnavailableReason(home: home) } }
        if wantsOverlay {
            if let reason = await unavailable() { throw CiloError(.unsupported, "cannot make an overlay workspace: \(reason)") }
            return .overlay
        }
        guard requested == .auto, setting == .auto else { return requested }
        if await WorkerThreads.offload({ CloneEngine.canSnapshot(source: BytePath(source), into: home.root) }) { return .auto }
        if let reason = await unavailable() {
            explain("overlay workspaces unavailable (\(reason)): the workspace is a clone")
            return .auto
        }
        return .overlay
    }

    /// Makes `record`'s overlay workspace: a base of the project's current state (reused, or
    /// cloned now) and the environment's own upper folder, mounted. The record naming the base
    /// is saved under the bases lock, so a base never goes while a create is about to use it.
    func makeOverlayWorkspace(_ record: inout EnvironmentRecord, options: CloneOptions, askedAt: BaseCheck) async throws(CiloError) -> CloneReport {
        let start = DispatchTime.now()
        let acquired = try await acquireBase(for: &record, options: options, askedAt: askedAt)
        let workspace = OverlayWorkspace(home: home, project: record.project, env: record.name)
        let tree = OverlayBase.tree(acquired.base.id, project: record.project, home: home)
        let mountStart = DispatchTime.now()
        try await WorkerThreads.offload { () throws(CiloError) in try workspace.mount(base: tree, creating: true) }
        let mountSeconds = Self.seconds(since: mountStart)
        var report = acquired.made ?? CloneReport(
            source: record.source, destination: record.workspace, strategy: "overlay", files: nil, directories: nil, symlinks: nil,
            hardlinks: nil, fifos: nil, bytes: nil, cloned: nil, rangeCopied: nil, copied: nil, skipped: nil, skippedPaths: [],
            excluded: nil, warnings: [], jobs: 1, seconds: 0)
        report.destination = record.workspace
        report.strategy = "overlay"
        report.overlay = CloneReport.Overlay(
            base: acquired.base.id, baseMade: acquired.made != nil, baseStrategy: acquired.base.strategy,
            checkSeconds: acquired.checkSeconds, mountSeconds: mountSeconds)
        report.seconds = Self.seconds(since: start)
        return report
    }

    /// Mounts an overlay workspace that is not mounted (after a restart, a restore), from its
    /// record; `creating`: its upper folder was just made elsewhere (a fork's copy), its work folder is made.
    public func mount(_ record: EnvironmentRecord, creating: Bool = false) async throws(CiloError) {
        guard let base = record.overlayBase else { return }
        let workspace = OverlayWorkspace(home: home, project: record.project, env: record.name)
        let tree = OverlayBase.tree(base, project: record.project, home: home)
        try await WorkerThreads.offload { () throws(CiloError) in try workspace.mount(base: tree, creating: creating) }
    }

    /// Unmounts and deletes an overlay workspace's layers, then its base if no other record
    /// names it (under the bases lock; a damaged record in the project keeps every base).
    func removeOverlay(_ record: EnvironmentRecord) async throws(CiloError) {
        let home = self.home
        try await WorkerThreads.offload { () throws(CiloError) in try Self.removeOverlay(record, home: home) }
    }

    private static func removeOverlay(_ record: EnvironmentRecord, home: CiloHome) throws(CiloError) {
        let workspace = OverlayWorkspace(home: home, project: record.project, env: record.name)
        try workspace.remove()
        guard let base = record.overlayBase else { return }
        let lock = try home.lock(home.path("locks", record.project, "bases.lock"))
        defer { lock.unlock() }
        let others = try StateStore(home: home).allReadable(project: record.project)
        guard others.damaged.isEmpty else { return }
        if others.records.contains(where: { $0.name != record.name && $0.overlayBase == base }) { return }
        try OverlayBase.remove(base, project: record.project, home: home)
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

extension Workspaces {
    /// `destroy --keep-workspace` of an overlay workspace: what the agent sees is cloned into a
    /// folder of its own, which then takes the mount point's place (a mount cannot outlive its
    /// environment: its base goes with the last environment using it).
    func keepOverlayAsFolder(_ record: EnvironmentRecord) async throws(CiloError) {
        let folder = home.projectWorkspaces(project: record.project)
        let keptName = FileName(".\(record.name).kept")
        let kept = folder.appending(keptName)
        _ = try await CloneEngine(options: CloneOptions()).clone(source: BytePath(record.workspace), destination: kept)
        try await removeOverlay(record)
        do throws(Errno) {
            let parent = try PathOpening.openDirectory(folder.bytes)
            defer { parent.closeIgnoringErrors() }
            try parent.remove(FileName(record.name), directory: true)
            try parent.rename(keptName, to: FileName(record.name))
        } catch {
            throw .system(error, "cannot put the kept workspace in place", path: kept.display)
        }
    }
}
