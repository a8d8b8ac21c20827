/// Docker's `OOMKilled` says only that a container's main process was killed for lack of
/// memory; a test runner's child killed inside it leaves it false. The kernel counts every
/// such kill in the container's cgroup (`memory.events` `oom_kill`): read for running containers.
public enum MemoryKills {
    /// `containers` with `oomKills` read from the cgroup of each running one.
    public static func annotate(_ containers: [DockerClient.Container]) throws(CiloError) -> [DockerClient.Container] {
        let running = containers.filter { $0.state == "running" }.map(\.id)
        guard !running.isEmpty else { return containers }
        let locations = try ContainerCgroups.locate(running)
        return containers.map { container in
            var annotated = container
            if let location = locations[container.id] { annotated.oomKills = CgroupSample.oomKills(location) }
            return annotated
        }
    }
}
