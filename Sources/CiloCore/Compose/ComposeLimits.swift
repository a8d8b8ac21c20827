import Yams

/// Gives every service that sets no limit of its own the environment's default: memory as
/// `mem_limit`, CPUs as `cpus`, processes as `pids_limit` (the keys Compose v1 and v2 both
/// apply). A service's own `mem_limit`, `cpus`, `pids_limit` or `deploy.resources.limits`
/// entry is kept.
enum ComposeLimits {
    static func apply(_ limits: ResourceLimits, to model: inout Node) {
        guard !limits.isEmpty, var root = model.mapping, var services = root["services"]?.mapping else { return }
        for (key, value) in services {
            guard var service = value.mapping else { continue }
            let declared = service["deploy"]?.mapping?["resources"]?.mapping?["limits"]?.mapping
            if let memory = limits.memoryBytes, service["mem_limit"] == nil, declared?["memory"] == nil {
                service["mem_limit"] = Node(String(memory))
            }
            if let cpus = limits.cpus, service["cpus"] == nil, declared?["cpus"] == nil {
                service["cpus"] = Node(String(cpus), Tag(.float))
            }
            if let pids = limits.pids, service["pids_limit"] == nil, declared?["pids"] == nil {
                service["pids_limit"] = Node(String(pids), Tag(.int))
            }
            services[key] = .mapping(service)
        }
        root["services"] = .mapping(services)
        model = .mapping(root)
    }
}
