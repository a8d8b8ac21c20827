import CiloSystem

/// Reading environments back, reconciled with what Docker really runs.
extension EnvironmentManager {
    /// The records of this project (or all projects), their status and services
    /// reconciled with one `docker ps` for all of them.
    public func list(allProjects: Bool) async throws(CiloError) -> [EnvironmentRecord] {
        let records = try store.all(project: allProjects ? nil : project.name)
        guard !records.isEmpty else { return [] }
        guard let containers = try? await docker.managedContainers() else { return records }
        return records.map { Self.reconcile($0, with: containers) }
    }

    /// One environment, reconciled with Docker.
    public func status(_ env: String) async throws(CiloError) -> EnvironmentRecord {
        let stored = try record(env)
        guard let containers = try? await docker.managedContainers(project: project.name, env: env) else { return stored }
        return Self.reconcile(stored, with: containers)
    }

    /// Whether every service of `env` runs right now, asked of Docker (not of the record).
    public func isRunning(_ env: String) async throws(CiloError) -> Bool {
        guard let stored = try store.load(project: project.name, env: env) else { return false }
        return Self.reconcile(stored, with: try await docker.managedContainers(project: project.name, env: env)).status == .running
    }

    /// The status Docker's containers imply: `running` when every service runs, `partial`
    /// when some do, `stopped` when none do; `creating`, `created` and `failed` are kept
    /// while no container exists.
    public static func reconcile(_ record: EnvironmentRecord, with containers: [DockerClient.Container]) -> EnvironmentRecord {
        var result = record
        let own = containers.filter { $0.project == record.project && $0.env == record.name }
        result.services = record.services.map { service in
            var updated = service
            if let container = own.first(where: { $0.service == service.name }) {
                updated.status = container.health.map { "\(container.state) (\($0))" } ?? container.state
            } else if record.status == .running || record.status == .partial {
                updated.status = "missing"
            }
            return updated
        }
        if own.isEmpty {
            switch record.status {
            case .creating, .created, .failed, .stopped: break
            case .running, .partial: result.status = .stopped
            }
            return result
        }
        let running = record.services.filter { service in own.contains { $0.service == service.name && $0.state == "running" } }.count
        if running == record.services.count && running > 0 {
            result.status = .running
        } else if running > 0 {
            result.status = .partial
        } else {
            result.status = record.status == .failed ? .failed : .stopped
        }
        return result
    }
}
