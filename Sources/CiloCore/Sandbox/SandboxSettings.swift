/// How `cilo run --sandbox` confines a command (`sandbox: true` in `.cilo/config.yml` asks for
/// it on every run; `--no-sandbox` overrides).
public struct SandboxSettings: Codable, Sendable, Equatable {
    /// What the command's network is (`--sandbox-network`).
    public enum Network: String, Codable, Sendable, CaseIterable {
        /// A network namespace on the environment's own Docker network: its services by name, nothing else.
        case env
        /// Loopback only.
        case none
        /// The host's network, unchanged.
        case host
    }

    public var network: Network
    /// `--allow-docker`: the Docker socket stays reachable (it is root on the host).
    public var allowsDocker: Bool

    public init(network: Network = .env, allowsDocker: Bool = false) {
        self.network = network
        self.allowsDocker = allowsDocker
    }

    /// One line for `cilo status`.
    public var summary: String {
        "sandboxed (network \(network.rawValue)\(allowsDocker ? ", Docker socket allowed" : ""))"
    }
}
