import Dispatch

/// CPU, memory and PIDs of one service's container over a sampling window.
public struct ServiceStats: Sendable, Codable, Equatable {
    public var service: String
    public var containerID: String
    /// Percent of one CPU, like `docker stats` (200 = two CPUs busy).
    public var cpuPercent: Double
    public var memoryBytes: Int
    public var memoryPeakBytes: Int?
    public var pids: Int
    /// Its memory limit; nil without one.
    public var memoryLimitBytes: Int? = nil
    /// Processes killed in it for lack of memory (the kernel's count; nil where it keeps none).
    public var oomKills: Int? = nil
}

/// The sum over an environment's services.
public struct EnvironmentStats: Sendable, Codable, Equatable {
    /// The `env` of a project's shared services (no environment's own; never a valid name).
    public static let sharedName = "(shared)"

    public var project: String
    public var env: String
    public var services: [ServiceStats]
    public var cpuPercent: Double
    public var memoryBytes: Int
    public var pids: Int
}

/// Reads environments' resource use straight from cgroup files: one `docker ps` to know
/// the containers, then two readings of their counters `interval` apart.
public enum StatsCollector {
    public static func collect(
        project: String?, envs: Set<String>? = nil, interval: Double = 0.25, engine: any ContainerEngine = DockerClient()
    ) async throws(CiloError) -> [EnvironmentStats] {
        let containers = try await engine.managedContainers(project: project, env: nil).filter {
            $0.state == "running" && (envs?.contains($0.shared ? EnvironmentStats.sharedName : $0.env) ?? true)
        }
        let locations = try ContainerCgroups.locate(containers.map(\.id))
        let first = locations.compactMapValues { CgroupSample.read($0) }
        let start = DispatchTime.now().uptimeNanoseconds
        await Pause.seconds(interval)
        let second = locations.compactMapValues { CgroupSample.read($0) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)

        var byEnv: [String: EnvironmentStats] = [:]
        for container in containers {
            guard let before = first[container.id], let after = second[container.id] else { continue }
            let cpu = after.cpuNanoseconds >= before.cpuNanoseconds ? Double(after.cpuNanoseconds - before.cpuNanoseconds) / elapsed * 100 : 0
            let stats = ServiceStats(service: container.service, containerID: container.id, cpuPercent: cpu,
                                     memoryBytes: after.memoryBytes, memoryPeakBytes: after.memoryPeakBytes, pids: after.pids,
                                     memoryLimitBytes: after.memoryLimitBytes, oomKills: after.oomKills)
            let env = container.shared ? EnvironmentStats.sharedName : container.env
            let key = "\(container.project)/\(env)"
            var environment = byEnv[key] ?? EnvironmentStats(project: container.project, env: env, services: [],
                                                             cpuPercent: 0, memoryBytes: 0, pids: 0)
            environment.services.append(stats)
            environment.cpuPercent += cpu
            environment.memoryBytes += stats.memoryBytes
            environment.pids += stats.pids
            byEnv[key] = environment
        }
        return byEnv.keys.sorted().compactMap { key in
            byEnv[key].map { var value = $0; value.services.sort { $0.service < $1.service }; return value }
        }
    }
}
