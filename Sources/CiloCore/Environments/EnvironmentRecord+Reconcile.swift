/// An environment's record read against what Docker really runs.
extension EnvironmentRecord {
    /// The status Docker's containers imply: `running` when every service runs (or, a
    /// one-shot job, finished with exit 0), `partial` when some do, `stopped` when none do;
    /// `creating`, `created`, `failed`, `destroying` and `damaged` are kept while no container exists.
    public func reconciled(with containers: [DockerClient.Container]) -> EnvironmentRecord {
        let record = self
        var result = self
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
