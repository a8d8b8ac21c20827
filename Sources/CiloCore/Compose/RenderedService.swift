import Yams

/// One service of a rendered environment, as far as starting and waiting for it goes.
public struct RenderedService: Sendable, Equatable {
    public var name: String
    /// Container ports (published host ports are folded into these).
    public var ports: [String] = []
    /// Profiles the service belongs to; empty: always active.
    public var profiles: [String] = []
    /// Whether Docker restarts it when it exits 0 (`restart: always` or `unless-stopped`);
    /// a service that is not, and exited 0, is done (a one-shot job), not failed.
    public var restartsAfterSuccess = false
    /// Whether Docker restarts it after a non-zero exit (`always`, `unless-stopped`, `on-failure`).
    public var restartsAfterFailure = false
    /// `deploy.replicas` or `scale`; 0 starts nothing.
    public var replicas = 1
    /// False with `network_mode` (host, another service's, none): no address of its own.
    public var hasOwnAddress = true

    public init(name: String, ports: [String] = []) {
        self.name = name
        self.ports = ports
    }

    /// Reads what matters from a resolved service definition.
    init(name: String, service: Node.Mapping) {
        self.name = name
        profiles = service["profiles"]?.sequence.map { $0.compactMap(\.string) } ?? []
        let restart = service["restart"]?.string ?? service["deploy"]?.mapping?["restart_policy"]?.mapping?["condition"]?.string ?? "no"
        restartsAfterSuccess = restart == "always" || restart == "unless-stopped" || restart == "any"
        restartsAfterFailure = restartsAfterSuccess || restart.hasPrefix("on-failure")
        if let count = service["deploy"]?.mapping?["replicas"]?.int ?? service["scale"]?.int { replicas = count }
    }

    /// Whether compose starts it with these profiles active.
    public func isActive(profiles active: [String]) -> Bool {
        replicas > 0 && (profiles.isEmpty || profiles.contains(where: active.contains))
    }
}
