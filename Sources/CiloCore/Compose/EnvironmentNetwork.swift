import CiloSystem

/// An environment's own network: a free /24 chosen under the home's allocation lock (never
/// one another record holds, Docker has, or the host routes), and the bridge network made on it.
public struct EnvironmentNetwork: EnvironmentCapability {
    public let context: EnvironmentContext

    /// Chooses a free /24 and writes the record holding it, under the allocation lock.
    /// - Parameter refused: the subnets Docker refused for this network (overlaps it may not
    ///   list yet); once there is one, the next is chosen at random among the free ones.
    func reserve(for record: EnvironmentRecord, avoiding refused: [Subnet] = []) async throws(CiloError) -> String {
        let pool = try SubnetAllocator.pool(from: HostFacts.environment("CILO_SUBNET_POOL") ?? project.subnetPool)
        // Docker's networks are avoided when an engine answers; a create needs none.
        let dockerSubnets = await engine.answers() ? try await engine.networkSubnets() : []
        let home = self.home
        let store = self.store
        return try await WorkerThreads.offload { () throws(CiloError) -> String in
            let lock = try home.lock(home.allocationLock)
            defer { lock.unlock() }
            let recorded = try store.allReadable().records.filter { $0.project != record.project || $0.name != record.name }
                .compactMap { Subnet($0.subnet) }
            let avoided = recorded + dockerSubnets + SubnetAllocator.hostRoutes() + refused
            let subnet = try SubnetAllocator(pool: pool).allocate(avoiding: avoided, scattered: !refused.isEmpty)
            var reserved = record
            reserved.subnet = subnet.description
            try store.save(reserved)
            return subnet.description
        }
    }

    /// Creates the environment's network unless it exists. When Docker refuses the subnet
    /// (a network made since it was reserved overlaps it: another cilo home, another tool),
    /// a new one is reserved and tried, twelve times in all: many homes starting at once (parallel
    /// CI jobs) each choose the first free subnet, so the retries choose at random.
    func ensure(_ record: inout EnvironmentRecord) async throws(CiloError) {
        if try await ownNetworkExists(record) { return }
        let labels = ComposeIsolation(project: record.project, env: record.name, home: home.root.display).labels
        let attempts = 12
        var refused: [Subnet] = []
        for attempt in 1...attempts {
            guard let subnet = Subnet(record.subnet) else { throw CiloError(.failed, "the environment's subnet is damaged: \(record.subnet)") }
            do throws(CiloError) {
                try await engine.createNetwork(record.dockerName, subnet: subnet, labels: labels)
                return
            } catch {
                // Another cilo of this home may have made it meanwhile (it holds no lock of ours).
                if try await ownNetworkExists(record) { return }
                guard attempt < attempts, error.description.contains("overlaps") else { throw error }
                refused.append(subnet)
                record.subnet = try await reserve(for: record, avoiding: refused)
            }
        }
    }

    /// Whether the environment's network exists; one another cilo home made (same project and
    /// environment names, another `CILO_HOME`) is refused: starting on it would take over that
    /// home's containers.
    private func ownNetworkExists(_ record: EnvironmentRecord) async throws(CiloError) -> Bool {
        guard let owner = try await engine.networkHome(record.dockerName) else { return false }
        guard engine.isOwn(homeLabel: owner) else {
            throw CiloError(.anotherHome, "environment '\(record.name)' of project '\(record.project)' already runs from another cilo home (\(owner)): "
                + "its Docker network \(record.dockerName) is that home's; use another environment name or --project")
        }
        return true
    }
}
