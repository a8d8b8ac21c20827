/// The Docker calls of shared services: their containers, their network, attaching them to environments.
extension DockerClient {
    /// The shared containers of `project` made by this client's home, inspected.
    public func sharedContainers(project: String) async throws(CiloError) -> [ContainerInspection] {
        if let api {
            return try await inspectedByAPI(api, labels: ["dev.cilo.shared=true", "dev.cilo.project=\(project)"])
                .filter { isOwn(homeLabel: $0.labels["dev.cilo.home"]) }
        }
        let filters = ["--filter", "label=dev.cilo.shared=true", "--filter", "label=dev.cilo.project=\(project)"]
        guard let output = try await listThenInspect(["ps", "-aq", "--no-trunc"] + filters, ["inspect"])?.inspected else { return [] }
        return try ContainerInspection.decodeAll(output).filter { isOwn(homeLabel: $0.labels["dev.cilo.home"]) }
    }

    /// Creates a labelled bridge network unless it exists (Docker picks its subnet): the shared
    /// services' own, or an environment's second network a shared service joins.
    public func ensureLabelledNetwork(_ name: String, labels: [(String, String)]) async throws(CiloError) {
        if let owner = try await networkHome(name) {
            guard isOwn(homeLabel: owner) else {
                throw CiloError(.anotherHome, "network \(name) is another cilo home's (\(owner)): use another --project")
            }
            return
        }
        let created = try await docker(["network", "create", "--driver", "bridge"] + labels.flatMap { ["--label", "\($0.0)=\($0.1)"] } + [name])
        // Another cilo of this home may have made it meanwhile.
        if !created.succeeded, try await networkHome(name) == nil {
            throw CiloError(.failed, "creating network \(name) failed: \(created.tail())")
        }
    }

    /// Connects a container to a network under `aliases`; already connected is fine.
    public func connect(_ container: String, to network: String, aliases: [String]) async throws(CiloError) {
        let result = try await docker(["network", "connect"] + aliases.flatMap { ["--alias", $0] } + [network, container])
        guard result.succeeded || result.error.contains("already exists") else {
            throw CiloError(.failed, "attaching the shared container to \(network) failed: \(result.tail())")
        }
    }

    /// Disconnects a container from a network; not connected (or either gone) is fine.
    public func disconnect(_ container: String, from network: String) async throws(CiloError) {
        let result = try await docker(["network", "disconnect", "--force", network, container])
        guard result.succeeded || result.error.contains("is not connected") || result.error.contains("No such") || result.error.contains("not found")
        else { throw CiloError(.failed, "detaching the shared container from \(network) failed: \(result.tail())") }
    }

    /// Removes every container, volume and network of `project`'s shared services made by this home.
    @discardableResult
    public func removeShared(project: String) async throws(CiloError) -> [String] {
        let filters = ["--filter", "label=dev.cilo.shared=true", "--filter", "label=dev.cilo.project=\(project)"]
        return try await removeObjects(filters: filters)
    }

    /// Stops containers (they stay, with their volumes, for the next start).
    public func stop(_ containers: [String]) async throws(CiloError) {
        guard !containers.isEmpty else { return }
        _ = try await check(["stop"] + containers, "stopping shared containers")
    }
}
