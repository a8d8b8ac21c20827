import Yams

/// Rewrites a fully resolved Compose model (`compose config`) so that many copies of one
/// project run side by side: no published host ports, no fixed container names or
/// subnets, the default network replaced by the environment's own, every object labelled.
public struct ComposeIsolation: Sendable {
    public var project: String
    public var env: String
    /// The cilo home that owns the environment, labelled so `cilo doctor` can tell its
    /// own leftovers from another home's.
    public var home: String?

    public init(project: String, env: String, home: String? = nil) {
        self.project = project
        self.env = env
        self.home = home
    }

    /// The compose project and Docker network name.
    public var dockerName: String { "cilo-\(project)-\(env)" }

    /// The labels every object cilo makes carries.
    public var labels: [(String, String)] {
        [("dev.cilo.managed", "true"), ("dev.cilo.project", project), ("dev.cilo.env", env)] + (home.map { [("dev.cilo.home", $0)] } ?? [])
    }

    /// What the rewrite produced.
    public struct Result {
        public var model: Node
        /// Service names in order, with their container ports.
        public var services: [(name: String, ports: [String])]
        public var warnings: [String]
        /// The service `CILO_BASE_URL` points at: label `dev.cilo.ingress` (or the original's
        /// `cilo.ingress`) true, else the first of web, app, frontend, nginx.
        public var ingress: String?
        /// Names from `dev.cilo.hostnames` labels (comma or space separated), valid DNS labels only.
        public var hostnames: [String] = []
    }

    public func apply(to input: Node) throws(CiloError) -> Result {
        guard var root = input.mapping else { throw CiloError(.invalidArgument, "the compose model is not a mapping") }
        guard var services = root["services"]?.mapping, !services.isEmpty else {
            throw CiloError(.invalidArgument, "the compose file defines no services")
        }
        var warnings: [String] = []
        var summary: [(String, [String])] = []
        var labelledIngress: String?
        var hostnames: [String] = []
        if let networks = root["networks"]?.mapping {
            var rewritten = Node.Mapping([])
            for (key, value) in networks {
                guard let name = key.string, name != "default" else { continue }
                var network = value.mapping ?? Node.Mapping([])
                if network["external"]?.bool == true {
                    rewritten[key] = value
                    warnings.append("network \(name) is external: shared with everything else using it")
                    continue
                }
                network["name"] = Node("\(dockerName)-\(name)")
                if var ipam = network["ipam"]?.mapping {
                    ipam["config"] = nil  // fixed subnets would collide between environments
                    network["ipam"] = .mapping(ipam)
                }
                network["labels"] = labelsNode(merging: network["labels"])
                rewritten[key] = .mapping(network)
            }
            root["networks"] = .mapping(rewritten)
        }
        var networks = root["networks"]?.mapping ?? Node.Mapping([])
        networks["default"] = .mapping(Node.Mapping([
            (Node("external"), Node("true", Tag(.bool))),
            (Node("name"), Node(dockerName)),
        ]))
        root["networks"] = .mapping(networks)

        for (key, value) in services {
            guard let name = key.string, var service = value.mapping else { continue }
            if service["network_mode"] != nil {
                warnings.append("service \(name) sets network_mode: left alone, it is not isolated")
                summary.append((name, []))
                continue
            }
            if labelledIngress == nil && Self.isIngress(service["labels"]) { labelledIngress = name }
            for hostname in Self.labelValue(service["labels"], "dev.cilo.hostnames")?.split(whereSeparator: { $0 == "," || $0 == " " }) ?? [] {
                let candidate = hostname.lowercased()
                if DNSSettings.isLabel(candidate) { hostnames.append(candidate) } else {
                    warnings.append("service \(name): '\(hostname)' in dev.cilo.hostnames is not a DNS label; ignored")
                }
            }
            service["container_name"] = nil
            var containerPorts: [String] = []
            if let ports = service["ports"]?.sequence {
                for port in ports { if let target = Self.containerPort(port) { containerPorts.append(target) } }
                service["ports"] = nil
                let exposed = (service["expose"]?.sequence.map { Array($0) } ?? []) + containerPorts.map { Node($0, Tag(.str), .doubleQuoted) }
                if !exposed.isEmpty { service["expose"] = .sequence(Node.Sequence(exposed)) }
            }
            service["labels"] = labelsNode(merging: service["labels"])
            // `networks:` of a service name keys of the top-level section; those keep their keys
            // (only their Docker `name:` changes), so the references stay valid as they are.
            services[key] = .mapping(service)
            summary.append((name, containerPorts))
        }
        root["services"] = .mapping(services)

        if let volumes = root["volumes"]?.mapping {
            var rewritten = Node.Mapping([])
            for (key, value) in volumes {
                var volume = value.mapping ?? Node.Mapping([])
                if volume["external"]?.bool != true { volume["labels"] = labelsNode(merging: volume["labels"]) }
                rewritten[key] = .mapping(volume)
            }
            root["volumes"] = .mapping(rewritten)
        }
        let names = summary.map(\.0)
        let ingress = labelledIngress ?? ["web", "app", "frontend", "nginx"].first(where: names.contains)
        return Result(model: .mapping(root), services: summary, warnings: warnings, ingress: ingress, hostnames: hostnames)
    }

    /// Whether a service's labels mark it as the ingress (`dev.cilo.ingress` or the original's `cilo.ingress`).
    static func isIngress(_ labels: Node?) -> Bool {
        ["dev.cilo.ingress", "cilo.ingress"].contains { labelValue(labels, $0)?.lowercased() == "true" }
    }

    /// The value of label `key` in a service's labels, in mapping or `key=value` list form.
    static func labelValue(_ labels: Node?, _ key: String) -> String? {
        if let mapping = labels?.mapping { return mapping[key]?.string }
        for item in labels?.sequence ?? [] {
            guard let text = item.string, text.hasPrefix(key + "=") else { continue }
            return String(text.dropFirst(key.count + 1))
        }
        return nil
    }

    /// The service's own labels plus cilo's, as a mapping (compose accepts both list and mapping forms).
    private func labelsNode(merging existing: Node?) -> Node {
        var mapping = Node.Mapping([])
        if let existing = existing?.mapping {
            mapping = existing
        } else if let list = existing?.sequence {
            for item in list {
                guard let text = item.string else { continue }
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                mapping[Node(parts[0])] = Node(parts.count > 1 ? parts[1] : "", Tag(.str), .doubleQuoted)
            }
        }
        for (key, value) in labels { mapping[Node(key)] = Node(value, Tag(.str), .doubleQuoted) }
        return .mapping(mapping)
    }

    /// The container side of a `ports` entry: `"8080:80"`, `"80"`, `{target: 80, published: 8080}`.
    static func containerPort(_ port: Node) -> String? {
        if let mapping = port.mapping {
            guard let target = mapping["target"]?.string else { return nil }
            let proto = mapping["protocol"]?.string
            return proto.map { $0 == "tcp" ? target : "\(target)/\($0)" } ?? target
        }
        guard let text = port.string else { return nil }
        let (spec, proto) = text.split(separator: "/", maxSplits: 1).map(String.init).splitProtocol()
        guard let target = spec.split(separator: ":").last.map(String.init) else { return nil }
        return proto.map { "\(target)/\($0)" } ?? target
    }
}

private extension Array where Element == String {
    func splitProtocol() -> (String, String?) {
        (first ?? "", count > 1 ? self[1] : nil)
    }
}
