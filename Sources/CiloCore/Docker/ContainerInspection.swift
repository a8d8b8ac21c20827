import Foundation

/// What `docker inspect` says of a container, decoded into types (only the fields cilo reads).
public struct ContainerInspection: Decodable, Sendable, Equatable {
    public struct State: Decodable, Sendable, Equatable {
        /// `created`, `running`, `restarting`, `exited`, `paused`, `dead`, `removing`.
        public var status: String
        public var exitCode: Int
        /// `starting`, `healthy`, `unhealthy`; nil without a health check.
        public var health: String?
        /// The kernel killed a process of it for lack of memory since it last started.
        public var oomKilled = false

        enum CodingKeys: String, CodingKey { case status = "Status", exitCode = "ExitCode", health = "Health", oomKilled = "OOMKilled" }
        enum HealthKeys: String, CodingKey { case status = "Status" }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decode(String.self, forKey: .status)
            exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode) ?? 0
            health = try container.decodeIfPresent(Health.self, forKey: .health)?.status
            oomKilled = try container.decodeIfPresent(Bool.self, forKey: .oomKilled) ?? false
        }

        public init(status: String, exitCode: Int, health: String?, oomKilled: Bool = false) {
            self.status = status
            self.exitCode = exitCode
            self.health = health
            self.oomKilled = oomKilled
        }
    }

    struct Health: Decodable { var status: String; enum CodingKeys: String, CodingKey { case status = "Status" } }
    struct HostConfig: Decodable { var memory: Int?; enum CodingKeys: String, CodingKey { case memory = "Memory" } }
    struct Config: Decodable { var labels: [String: String]?; enum CodingKeys: String, CodingKey { case labels = "Labels" } }
    struct Endpoint: Decodable { var address: String?; enum CodingKeys: String, CodingKey { case address = "IPAddress" } }
    struct NetworkSettings: Decodable {
        var networks: [String: Endpoint]?
        enum CodingKeys: String, CodingKey { case networks = "Networks" }
    }

    public var id: String
    public var state: State
    /// The compose service (`com.docker.compose.service`).
    public var service: String
    /// The address on each network, by network name.
    public var addresses: [String: String]
    /// Every network it is connected to (a stopped container has no addresses but keeps these).
    public var networks: [String] = []
    /// Its labels.
    public var labels: [String: String] = [:]
    /// Its memory limit in bytes; nil without one.
    public var memoryLimit: Int?

    enum CodingKeys: String, CodingKey { case id = "Id", state = "State", config = "Config", network = "NetworkSettings", hostConfig = "HostConfig" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        state = try container.decode(State.self, forKey: .state)
        labels = try container.decodeIfPresent(Config.self, forKey: .config)?.labels ?? [:]
        service = labels["com.docker.compose.service"] ?? ""
        let networks = try container.decodeIfPresent(NetworkSettings.self, forKey: .network)?.networks ?? [:]
        self.networks = networks.keys.sorted()
        addresses = networks.compactMapValues { $0.address.flatMap { $0.isEmpty ? nil : $0 } }
        memoryLimit = try container.decodeIfPresent(HostConfig.self, forKey: .hostConfig)?.memory.flatMap { $0 > 0 ? $0 : nil }
    }

    public init(id: String, state: State, service: String, addresses: [String: String]) {
        self.id = id
        self.state = state
        self.service = service
        self.addresses = addresses
    }

    /// Decodes `docker inspect`'s JSON array.
    static func decodeAll(_ text: String) throws(CiloError) -> [ContainerInspection] {
        do { return try JSONDecoder().decode([ContainerInspection].self, from: Data(text.utf8)) } catch {
            throw CiloError(.failed, "cannot read docker inspect's answer", cause: ErrorText(error))
        }
    }
}
