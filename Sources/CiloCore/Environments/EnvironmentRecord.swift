import Foundation

/// What cilo knows about one environment, stored as JSON under `$CILO_HOME/state`.
public struct EnvironmentRecord: Codable, Sendable, Equatable {
    /// The lifecycle as cilo last left it; `list` reconciles it with Docker.
    public enum Status: String, Codable, Sendable {
        case creating, created, running, partial, stopped, failed
    }

    public var project: String
    public var name: String
    /// The environment's own /24, e.g. `10.224.3.0/24`.
    public var subnet: String
    public var workspace: String
    /// The directory the workspace was cloned from.
    public var source: String
    /// The generated compose file (outside the workspace).
    public var composeFile: String
    /// The compose files of the project, relative to the workspace.
    public var composeSources: [String]
    public var createdAt: String
    public var status: Status
    public var services: [ServiceRecord]
    /// How the workspace was cloned (`snapshot`, `reflink`, ...).
    public var cloneStrategy: String
    public var lastError: String?
    /// The service `CILO_BASE_URL` points at (label `dev.cilo.ingress=true`, else web, app, frontend or nginx).
    public var ingressService: String?
    /// Extra names under the apex: from the `dev.cilo.hostnames` label and `cilo hostnames add`.
    /// (Optional so records written before hostnames existed still load.)
    public var labelHostnames: [String]?
    public var addedHostnames: [String]?

    /// Every extra name, label ones first.
    public var hostnames: [String] {
        let labelled = labelHostnames ?? []
        return labelled + (addedHostnames ?? []).filter { !labelled.contains($0) }
    }

    /// `http://<ingress address>[:port]`, once the environment has run.
    public var baseURL: String? {
        guard let ingress = services.first(where: { $0.name == ingressService }), let ip = ingress.ip else { return nil }
        let port = ingress.ports.first.map { $0.split(separator: "/").first.map(String.init) ?? $0 } ?? "80"
        return port == "80" ? "http://\(ip)" : "http://\(ip):\(port)"
    }

    /// The variables `cilo run` gives the command: `CILO_*`, and per service `CILO_SERVICE_<NAME>_IP`
    /// and, with DNS (`suffix` given), `CILO_SERVICE_<NAME>_HOST`; `CILO_BASE_URL` is then the apex name.
    public func runEnvironment(dnsSuffix suffix: String?) -> [String: String] {
        var variables = ["CILO_ENV": name, "CILO_PROJECT": project, "CILO_WORKSPACE": workspace, "CILO_SUBNET": subnet]
        if let suffix {
            variables["CILO_DNS_SUFFIX"] = suffix
            if ingressService != nil { variables["CILO_BASE_URL"] = "http://\(project).\(name)\(suffix)" }
        } else if let baseURL {
            variables["CILO_BASE_URL"] = baseURL
        }
        for service in services {
            let key = NameRules.normalize(service.name).uppercased().replacingOccurrences(of: "-", with: "_")
            if let ip = service.ip { variables["CILO_SERVICE_\(key)_IP"] = ip }
            if let suffix { variables["CILO_SERVICE_\(key)_HOST"] = "\(service.name).\(name).\(project)\(suffix)" }
        }
        return variables
    }

    /// The Docker network (and compose project) name: `cilo-<project>-<env>`.
    public var dockerName: String { "cilo-\(project)-\(name)" }
}

/// One service of an environment, with the address it got.
public struct ServiceRecord: Codable, Sendable, Equatable {
    public var name: String
    public var ip: String?
    /// Container ports (published host ports are removed by cilo).
    public var ports: [String]
    public var status: String

    public init(name: String, ip: String?, ports: [String], status: String) {
        self.name = name
        self.ip = ip
        self.ports = ports
        self.status = status
    }
}
