import CiloSystem
import SystemPackage

/// Overlay workspaces: whether this machine can make them, and each one's base and mount.
extension Doctor {
    /// Whether `auto` may make overlay workspaces here (and why not); per overlay workspace,
    /// a base gone or a mount a restart undid; bases no environment uses.
    func checkOverlays(_ records: [EnvironmentRecord], damaged: [EnvironmentKey], busy: Set<EnvironmentKey>) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        if let reason = Workspaces.overlayUnavailableReason(home: home) {
            findings.append(DoctorFinding(.warning, "overlay", home.root.display, "overlay workspaces unavailable (\(reason)): auto makes clones"))
        } else {
            findings.append(DoctorFinding(.ok, "overlay", home.root.display, "overlay workspaces available: auto uses them where it cannot snapshot"))
        }
        for record in records {
            guard let base = record.overlayBase, record.status != .creating, record.status != .destroying else { continue }
            let key = EnvironmentKey(project: record.project, env: record.name)
            if busy.contains(key) { continue }
            do throws(CiloError) {
                if try !OverlayBase.hasTree(base, project: record.project, home: home) {
                    findings.append(DoctorFinding(
                        .problem, "overlay", key.description,
                        "its base \(base) is gone (\(OverlayBase.tree(base, project: record.project, home: home).display)): "
                            + "what the agent wrote is kept, the rest is lost",
                        fix: .remakeBase(project: record.project, env: record.name)))
                } else if try !OverlayWorkspace.isMounted(BytePath(record.workspace)) {
                    findings.append(DoctorFinding(
                        .problem, "overlay", key.description, "its workspace is not mounted (the machine restarted?)",
                        fix: .mountWorkspace(project: record.project, env: record.name)))
                }
            } catch {
                findings.append(DoctorFinding(.problem, "overlay", key.description, error.description))
            }
        }
        do throws(CiloError) {
            let projects = Set(records.map(\.project)).union(try store.folders(in: "bases").map(\.project))
            for project in projects.sorted() where !damaged.contains(where: { $0.project == project }) {
                let used = Set(records.filter { $0.project == project }.compactMap(\.overlayBase))
                let found = try OverlayBase.all(project: project, home: home)
                for id in (found.bases.map(\.id) + found.unfinished) where !used.contains(id) && !OverlayBase.isMounted(id, project: project, home: home) {
                    findings.append(DoctorFinding(
                        .warning, "overlay", "\(project)/base \(id)", "no environment uses this base",
                        fix: .removeBase(project: project, id: id)))
                }
            }
        } catch {
            findings.append(DoctorFinding(.problem, "overlay", home.path("bases").display, error.description))
        }
        return findings
    }

    /// `--fix` of an overlay workspace: mount it again, or make its base again from the project.
    func repairOverlay(project: String, env: String, remakeBase: Bool) async throws(CiloError) {
        guard var record = try store.load(project: project, env: env), record.overlayBase != nil else {
            throw CiloError(.failed, "\(project)/\(env) no longer has an overlay workspace; left alone")
        }
        // The project's own config (its exclusions), read from the source as a create reads it.
        let workspaces = Workspaces(context: EnvironmentContext(
            project: try Project.resolve(explicit: project, from: record.source), home: home, engine: engine))
        if remakeBase {
            // A mount of the deleted base still shows it: unmounted first, remounted on the new one.
            let workspace = BytePath(record.workspace)
            _ = try await WorkerThreads.offload { () throws(CiloError) in try OverlayWorkspace.unmount(workspace) }
            let options = try workspaces.cloneOptions(env, strategy: .auto)
            _ = try await workspaces.acquireBase(for: &record, options: options, askedAt: BaseCheck.now())
        }
        try await workspaces.mount(record)
    }

    /// `--fix` of a base no environment uses: removed under the bases lock, if still unused.
    func removeUnusedBase(project: String, id: String) throws(CiloError) {
        let lock = try home.lock(home.path("locks", project, "bases.lock"))
        defer { lock.unlock() }
        let records = try store.allReadable(project: project)
        guard records.damaged.isEmpty, !records.records.contains(where: { $0.overlayBase == id }) else {
            throw CiloError(.failed, "an environment uses base \(id) again; left alone")
        }
        try OverlayBase.remove(id, project: project, home: home)
    }
}
