import CiloSystem

/// Reading environments back, reconciled with what Docker really runs.
extension EnvironmentManager {
    /// The records of this project (or all projects), their status and services
    /// reconciled with one `docker ps` for all of them.
    public func list(allProjects: Bool) async throws(CiloError) -> [EnvironmentRecord] {
        try await listing(allProjects: allProjects).records
    }

    /// The records (as `list`) and the shared services of this project (or all projects).
    public func listing(allProjects: Bool) async throws(CiloError) -> (records: [EnvironmentRecord], shared: [SharedServiceSummary]) {
        let scanned = try store.allReadable(project: allProjects ? nil : project.name)
        let damaged = scanned.damaged.map { key in
            EnvironmentRecord.damaged(
                project: key.project, env: key.env, workspace: home.workspace(project: key.project, env: key.env).display,
                reason: "its state file cannot be read (cilo destroy \(key.env) --project \(key.project) removes it)")
        }
        let records = (scanned.records + damaged).sorted { ($0.project, $0.name) < ($1.project, $1.name) }
        // Without an engine the records are shown as last written, and said to be.
        if !(await engine.answers()) {
            if !records.isEmpty { warn("Docker is not reachable: statuses are as cilo last recorded them") }
            return (records, [])
        }
        let shared = try await sharedServices(allProjects: allProjects)
        guard !records.isEmpty else { return ([], shared) }
        let containers = try MemoryKills.annotate(try await engine.managedContainers())
        return (SharedServiceSummary.annotate(records.map { $0.reconciled(with: containers) }, with: shared), shared)
    }

    /// The shared services of this project (or of all), after stopping those whose grace time passed.
    public func sharedServices(allProjects: Bool) async throws(CiloError) -> [SharedServiceSummary] {
        await stopIdleShared()
        return try await SharedServiceSummary.read(projects: allProjects ? nil : [project.name], of: sharedServices)
    }

    /// One environment, reconciled with Docker.
    public func status(_ env: String) async throws(CiloError) -> EnvironmentRecord {
        let stored = try recordOrDamaged(env)
        guard stored.status != .damaged else { return stored }
        if !(await engine.answers()) {
            warn("Docker is not reachable: the status is as cilo last recorded it")
            return stored
        }
        let reconciled = stored.reconciled(with: try MemoryKills.annotate(try await engine.managedContainers(project: project.name, env: env)))
        guard reconciled.services.contains(where: { $0.shared == true }) else { return reconciled }
        return SharedServiceSummary.annotate([reconciled], with: try await sharedServices(allProjects: false))[0]
    }

    /// Whether every service of `env` runs right now, asked of Docker (not of the record).
    public func isRunning(_ env: String) async throws(CiloError) -> Bool {
        guard let stored = try store.load(project: project.name, env: env) else { return false }
        return stored.reconciled(with: try await engine.managedContainers(project: project.name, env: env)).status == .running
    }
}
