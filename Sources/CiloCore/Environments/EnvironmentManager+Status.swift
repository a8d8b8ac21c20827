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
        if (try? await docker.requireEngine()) == nil {
            if !records.isEmpty { warn("Docker is not reachable: statuses are as cilo last recorded them") }
            return (records, [])
        }
        let shared = try await sharedServices(allProjects: allProjects)
        guard !records.isEmpty else { return ([], shared) }
        let containers = MemoryKills.annotate(try await docker.managedContainers())
        return (SharedServiceSummary.annotate(records.map { Self.reconcile($0, with: containers) }, with: shared), shared)
    }

    /// The shared services of this project (or of all), after stopping those whose grace time passed.
    public func sharedServices(allProjects: Bool) async throws(CiloError) -> [SharedServiceSummary] {
        await stopIdleShared()
        return try await SharedServiceSummary.read(projects: allProjects ? nil : [project.name], home: home)
    }

    /// One environment, reconciled with Docker.
    public func status(_ env: String) async throws(CiloError) -> EnvironmentRecord {
        let stored = try recordOrDamaged(env)
        guard stored.status != .damaged else { return stored }
        if (try? await docker.requireEngine()) == nil {
            warn("Docker is not reachable: the status is as cilo last recorded it")
            return stored
        }
        let reconciled = Self.reconcile(stored, with: MemoryKills.annotate(try await docker.managedContainers(project: project.name, env: env)))
        guard reconciled.services.contains(where: { $0.shared == true }) else { return reconciled }
        return SharedServiceSummary.annotate([reconciled], with: try await sharedServices(allProjects: false))[0]
    }

    /// Whether every service of `env` runs right now, asked of Docker (not of the record).
    public func isRunning(_ env: String) async throws(CiloError) -> Bool {
        guard let stored = try store.load(project: project.name, env: env) else { return false }
        return Self.reconcile(stored, with: try await docker.managedContainers(project: project.name, env: env)).status == .running
    }

    /// The status Docker's containers imply: `running` when every service runs (or, a
    /// one-shot job, finished with exit 0), `partial` when some do, `stopped` when none do;
    /// `creating`, `created`, `failed`, `destroying` and `damaged` are kept while no container exists.
    public static func reconcile(_ record: EnvironmentRecord, with containers: [DockerClient.Container]) -> EnvironmentRecord {
        var result = record
        let own = containers.filter { $0.project == record.project && $0.env == record.name && !$0.shared }
        // A shared service is this environment's only while its own services run (or it has none).
        let hasOwnServices = record.services.contains { $0.shared != true }
        let shared = own.isEmpty && hasOwnServices ? [] : containers.filter { $0.project == record.project && $0.shared }
        if record.status == .destroying || record.status == .damaged { return result }
        result.services = record.services.map { service in
            var updated = service
            let candidates = service.shared == true ? shared : own
            if let container = candidates.first(where: { $0.service == service.name }) {
                updated.oomKilled = container.oomKilled || (container.oomKills ?? 0) > 0
                updated.oomKills = container.oomKills
                updated.restartCount = container.restartCount
                updated.memoryLimit = container.memoryLimit
                updated.status = container.state == "exited" && container.exitedCleanly ? "exited (0)"
                    : container.health.map { "\(container.state) (\($0))" } ?? container.state
            } else if service.status == "inactive" {
                updated.status = "inactive"
            } else if record.status == .running || record.status == .partial {
                updated.status = "missing"
            }
            return updated
        }
        if own.isEmpty && (hasOwnServices || shared.isEmpty) {
            switch record.status {
            case .creating, .created, .failed, .stopped, .destroying, .damaged: break
            case .running, .partial: result.status = .stopped
            }
            return result
        }
        let expected = record.services.filter { $0.status != "inactive" }
        let containerOf = { (service: ServiceRecord) in service.shared == true ? shared : own }
        let fine = expected.filter { service in
            containerOf(service).contains { $0.service == service.name && ($0.state == "running" || ($0.exitedCleanly && service.completes == true)) }
        }
        let running = expected.filter { service in containerOf(service).contains { $0.service == service.name && $0.state == "running" } }
        if fine.count == expected.count && !running.isEmpty {
            result.status = .running
        } else if !running.isEmpty {
            result.status = .partial
        } else {
            result.status = record.status == .failed ? .failed : .stopped
        }
        return result
    }
}
