import Foundation

/// Removing what cilo made in Docker, found by its labels and only this client's home's.
extension DockerClient {
    /// Removes every container labelled with this project and environment (volumes kept).
    public func removeContainers(project: String, env: String) async throws(CiloError) {
        if let api {
            try await removeContainersByAPI(api, labels: ["dev.cilo.project=\(project)", "dev.cilo.env=\(env)"], volumes: false)
            return
        }
        let containers = try await labelled(["ps", "-a"], "{{.ID}}", project: project, env: env)
        if !containers.isEmpty { _ = try await check(["rm", "-f"] + containers, "removing containers") }
    }

    /// Removes every container, volume and network labelled with this project and environment.
    /// - Returns: what could not be removed through no fault of cilo's, each said in a sentence.
    @discardableResult
    public func removeLabelled(project: String, env: String) async throws(CiloError) -> [String] {
        try await removeObjects(filters: ["--filter", "label=dev.cilo.project=\(project)", "--filter", "label=dev.cilo.env=\(env)"])
    }

    /// Removes every container (with its anonymous volumes), volume and network of this home that `filters` finds.
    /// - Returns: networks Docker cannot remove for a fault of its own (see `removeNetwork`).
    func removeObjects(filters: [String]) async throws(CiloError) -> [String] {
        if let api { return try await removeObjectsByAPI(api, labels: Self.labels(inFilters: filters)) }
        let containers = try await labelled(["ps", "-a"], "{{.ID}}", filters: filters)
        if !containers.isEmpty { _ = try await check(["rm", "-f", "-v"] + containers, "removing containers") }
        let volumes = try await labelled(["volume", "ls"], "{{.Name}}", filters: filters)
        if !volumes.isEmpty { _ = try await check(["volume", "rm", "-f"] + volumes, "removing volumes") }
        var left: [String] = []
        for network in try await labelled(["network", "ls"], "{{.Name}}", filters: filters) {
            if let note = try await removeNetwork(network, formerContainers: containers) { left.append(note) }
        }
        return left
    }

    /// Removes network `name`. Docker 20.10 can keep an endpoint of a container removed at the
    /// same moment ("has active endpoints" with no container attached): the removed containers
    /// are forced off it and it is tried again; if Docker still keeps the endpoint, the network
    /// stays, and that is returned as a sentence (it goes once dockerd restarts).
    private func removeNetwork(_ name: String, formerContainers: [String]) async throws(CiloError) -> String? {
        let removed = try await docker(["network", "rm", name])
        guard !removed.succeeded else { return nil }
        guard removed.error.contains("has active endpoints") else { throw CiloError(.failed, "removing network \(name) failed: \(removed.tail())") }
        for container in formerContainers {
            // Not connected (or gone) is what most answer; only the stale endpoint matters.
            _ = try await docker(["network", "disconnect", "-f", name, container])
        }
        let again = try await docker(["network", "rm", name])
        guard !again.succeeded else { return nil }
        let attached = try await check(["network", "inspect", "--format", "{{len .Containers}}", name], "inspecting network \(name)")
        guard attached.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0" else {
            throw CiloError(.failed, "removing network \(name) failed: \(again.tail())")
        }
        return Self.staleEndpointNote(name)
    }

    /// The objects `listing` finds labelled with this project and environment, of this client's home.
    private func labelled(_ listing: [String], _ identity: String, project: String, env: String) async throws(CiloError) -> [String] {
        try await labelled(listing, identity, filters: ["--filter", "label=dev.cilo.project=\(project)", "--filter", "label=dev.cilo.env=\(env)"])
    }
}
