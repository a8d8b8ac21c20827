import Foundation

/// The reads `DockerClient` makes over the Engine API when it can reach the engine's socket:
/// listings and inspections as the CLI would print them, without a process per call.
extension DockerClient {
    /// One entry of `GET /containers/json`.
    struct ListedByAPI: Decodable {
        var id: String
        var state: String
        var status: String
        var labels: [String: String]?
        enum CodingKeys: String, CodingKey { case id = "Id", state = "State", status = "Status", labels = "Labels" }
    }

    /// What `GET /containers/{id}/json` adds to a listing: exit code, memory kills, restarts, limit.
    struct ContainerFacts: Decodable, Sendable {
        struct State: Decodable { var exitCode: Int?; var oomKilled: Bool?; enum CodingKeys: String, CodingKey { case exitCode = "ExitCode", oomKilled = "OOMKilled" } }
        struct Host: Decodable { var memory: Int?; enum CodingKeys: String, CodingKey { case memory = "Memory" } }
        var id: String
        var restartCount: Int?
        var exitCode: Int
        var oomKilled: Bool
        var memory: Int?
        enum CodingKeys: String, CodingKey { case id = "Id", restartCount = "RestartCount", state = "State", hostConfig = "HostConfig" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            restartCount = try container.decodeIfPresent(Int.self, forKey: .restartCount)
            let state = try container.decodeIfPresent(State.self, forKey: .state)
            exitCode = state?.exitCode ?? 0
            oomKilled = state?.oomKilled ?? false
            memory = try container.decodeIfPresent(Host.self, forKey: .hostConfig)?.memory
        }
    }

    /// The containers carrying every one of `labels` (stopped ones too), of this client's home.
    func listed(_ api: EngineAPI, labels: [String]) async throws(CiloError) -> [(listed: ListedByAPI, container: Container)] {
        let answer = try await api.decoded([ListedByAPI].self, "/containers/json", query: [("all", "1"), EngineAPI.labelFilter(labels)])
        return answer.compactMap { listed in
            let labels = listed.labels ?? [:]
            guard isOwn(homeLabel: labels["dev.cilo.home"]) else { return nil }
            var container = Container(
                id: listed.id, project: labels["dev.cilo.project"] ?? "", env: labels["dev.cilo.env"] ?? "",
                service: labels["com.docker.compose.service"] ?? "", state: listed.state, health: Self.health(inStatus: listed.status))
            container.shared = labels["dev.cilo.shared"] == "true"
            return (listed, container)
        }
    }

    /// `containerStates` over the API: the listing alone.
    func containerStatesByAPI(_ api: EngineAPI) async throws(CiloError) -> [String] {
        try await listed(api, labels: ["dev.cilo.managed=true"]).map { "\($0.container.id) \($0.container.state) \($0.container.health ?? "")" }.sorted()
    }

    /// `managedContainers` over the API: one listing, then each container's facts, asked side by side.
    func managedContainersByAPI(_ api: EngineAPI, project: String?, env: String?) async throws(CiloError) -> [Container] {
        let labels = ["dev.cilo.managed=true"] + (project.map { ["dev.cilo.project=\($0)"] } ?? [])
        let containers: [Container]
        if let env, project != nil {
            // One environment's own, and its project's shared ones: two small listings, never every
            // container of the project (their number grows with its environments).
            containers = try await listed(api, labels: labels + ["dev.cilo.env=\(env)"]).map(\.container).filter { !$0.shared }
                + listed(api, labels: labels + ["dev.cilo.shared=true"]).map(\.container)
        } else {
            containers = try await listed(api, labels: labels).map(\.container).filter { env == nil || $0.env == env || $0.shared }
        }
        let facts = try await inspectEach(api, containers.map(\.id), as: ContainerFacts.self)
        let byID = Dictionary(facts.map { ($0.id, $0) }) { first, _ in first }
        // A container removed since the listing is not there any more: it is left out.
        return containers.compactMap { listed in
            guard let fact = byID[listed.id] else { return nil }
            var container = listed
            container.exitedCleanly = container.state == "exited" && fact.exitCode == 0
            container.oomKilled = fact.oomKilled
            container.restartCount = fact.restartCount ?? 0
            container.memoryLimit = fact.memory.flatMap { $0 > 0 ? $0 : nil }
            return container
        }
    }

    /// The containers carrying `labels`, inspected as `docker inspect` prints them.
    func inspectedByAPI(_ api: EngineAPI, labels: [String]) async throws(CiloError) -> [ContainerInspection] {
        let ids = try await listed(api, labels: labels).map(\.container.id)
        return try await inspectEach(api, ids, as: ContainerInspection.self)
    }

    /// `GET /containers/{id}/json` for each of `ids` side by side, in their order; one gone meanwhile (404) is left out.
    func inspectEach<Value: Decodable & Sendable>(_ api: EngineAPI, _ ids: [String], as type: Value.Type) async throws(CiloError) -> [Value] {
        let answers = await SideBySide.each(ids) { id throws(CiloError) -> Value? in
            let answer = try await api.get("/containers/\(id)/json")
            if answer.status == 404 { return nil }
            guard answer.status == 200 else { throw CiloError(.failed, "Docker answered \(answer.status) to inspecting \(id)") }
            do { return try JSONDecoder().decode(Value.self, from: answer.body) } catch {
                throw CiloError(.failed, "cannot read Docker's inspection of \(id)", cause: ErrorText(error))
            }
        }
        var values: [Value] = []
        for answer in answers {
            switch answer {
            case .success(let value): if let value { values.append(value) }
            case .failure(let error): throw error
            }
        }
        return values
    }

    /// Subnets of every network, from `GET /networks`.
    func networkSubnetsByAPI(_ api: EngineAPI) async throws(CiloError) -> [Subnet] {
        struct Network: Decodable {
            struct Pool: Decodable { var subnet: String?; enum CodingKeys: String, CodingKey { case subnet = "Subnet" } }
            struct Addressing: Decodable { var config: [Pool]?; enum CodingKeys: String, CodingKey { case config = "Config" } }
            var ipam: Addressing?
            enum CodingKeys: String, CodingKey { case ipam = "IPAM" }
        }
        let networks = try await api.decoded([Network].self, "/networks")
        return networks.flatMap { $0.ipam?.config ?? [] }.compactMap { $0.subnet.flatMap(Subnet.init) }
    }

    /// The `dev.cilo.home` label of network `name` (empty when unlabelled); nil when there is none.
    func networkHomeByAPI(_ api: EngineAPI, _ name: String) async throws(CiloError) -> String? {
        struct Network: Decodable { var name: String; var labels: [String: String]?; enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels" } }
        let answer = try await api.get("/networks/\(name)")
        if answer.status == 404 { return nil }
        guard answer.status == 200 else { throw CiloError(.failed, "Docker answered \(answer.status) to inspecting network \(name)") }
        let network: Network
        do { network = try JSONDecoder().decode(Network.self, from: answer.body) } catch {
            throw CiloError(.failed, "cannot read Docker's answer about network \(name)", cause: ErrorText(error))
        }
        // The API also finds a network by a prefix of its ID: only the one of that name counts.
        guard network.name == name else { return nil }
        return network.labels?["dev.cilo.home"] ?? ""
    }

    /// A listing's health: its status column ends in `(healthy)`, `(unhealthy)` or `(health: starting)`.
    static func health(inStatus status: String) -> String? {
        status.hasSuffix("(healthy)") ? "healthy" : status.hasSuffix("(unhealthy)") ? "unhealthy"
            : status.hasSuffix("(health: starting)") ? "starting" : nil
    }
}
