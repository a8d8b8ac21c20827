import Yams

/// Rewrites a fully resolved Compose model (`compose config`) so that many copies of one
/// project run side by side: no published host ports, no fixed container names or
/// subnets, the default network replaced by the environment's own, host paths kept in the
/// workspace, every object labelled; and says what could not be isolated.
public struct ComposeIsolation: Sendable {
    public var project: String
    public var env: String
    /// The compose project and network name (`cilo_<project>_<env>`).
    public var dockerName: String
    /// The cilo home that owns the environment, labelled so `cilo doctor` can tell its
    /// own leftovers from another home's.
    public var home: String?
    /// The environment's subnet: fixed `ipv4_address`es on the default network move into it.
    public var subnet: Subnet?
    /// Where host paths may point; nil leaves them as rendered (tests of other parts).
    public var paths: ComposePaths?
    /// The ingress when no service is labelled (the original's `default_ingress_service`).
    public var defaultIngress: String?
    /// The project's shared services (`dev.cilo.shared` instead of an environment label).
    public var sharedScope = false
    /// The environment's folder of volumes in cilo's home: its named volumes keep their data
    /// there (`<folder>/<key>`, Docker's local driver binding it), so fork and checkpoints can
    /// copy them. Nil leaves volumes Docker's (shared services, environments made before).
    public var volumeFolder: String?

    public init(
        project: String, env: String, dockerName: String? = nil, home: String? = nil, subnet: Subnet? = nil,
        paths: ComposePaths? = nil, defaultIngress: String? = nil
    ) {
        self.defaultIngress = defaultIngress
        self.project = project
        self.env = env
        self.dockerName = dockerName ?? EnvironmentRecord.dockerName(project: project, env: env)
        self.home = home
        self.subnet = subnet
        self.paths = paths
    }

    /// The labels every object cilo makes carries.
    public var labels: [(String, String)] {
        [("dev.cilo.managed", "true"), ("dev.cilo.project", project), sharedScope ? ("dev.cilo.shared", "true") : ("dev.cilo.env", env)]
            + (home.map { [("dev.cilo.home", $0)] } ?? [])
    }

    /// What the rewrite produced.
    public struct Result {
        public var model: Node
        /// The services in order.
        public var services: [RenderedService]
        /// What isolation could not do (host network, privileged, paths outside the workspace, ...).
        public var warnings: [String]
        /// The service `CILO_BASE_URL` points at: label `dev.cilo.ingress` (or the original's
        /// `cilo.ingress`) true, else the first of web, app, frontend, nginx.
        public var ingress: String?
        /// Names from `dev.cilo.hostnames` labels (comma or space separated), valid DNS labels only.
        public var hostnames: [String] = []
        /// The tags of images cilo builds for `build:` services (shared by the project's environments).
        public var images: [String] = []
        /// The shared services an environment joins (`ComposeSharing`), left out of its model.
        public var shared: [ComposeSharing.Attachment] = []
        /// The shared project's model: each service's definition digest (`dev.cilo.shared.hash`).
        public var definitionDigests: [String: String] = [:]
        /// The named volumes whose data is in `volumeFolder`, by their key in the model.
        public var volumes: [String] = []
    }

    public func apply(to input: Node) throws(CiloError) -> Result {
        guard var root = input.mapping else { throw CiloError(.invalidArgument, "the compose model is not a mapping") }
        guard var services = root["services"]?.mapping, !services.isEmpty else {
            throw CiloError(.invalidArgument, "the compose file defines no services")
        }
        var result = Result(model: input, services: [], warnings: [], ingress: nil)
        // cilo names the project itself (`-p`); a top-level name would only disagree.
        root["name"] = nil
        let strippedSubnets = rewriteNetworks(&root, warnings: &result.warnings)

        var labelledIngress: String?
        for (key, value) in services {
            guard let name = key.string, var service = value.mapping else { continue }
            if service["image"] == nil && service["build"] == nil {
                throw CiloError(.invalidArgument, "service \(name) has neither image nor build")
            }
            if labelledIngress == nil && Self.isIngress(service["labels"]) { labelledIngress = name }
            result.hostnames += hostnames(of: name, service["labels"], warnings: &result.warnings)
            if sharedScope { result.warnings += Self.sharedWarnings(name, service) }
            service["container_name"] = nil
            result.warnings += Self.privilegeWarnings(name, service)
            var containerPorts: [String] = []
            var rendered = RenderedService(name: name, service: service)
            if let mode = service["network_mode"]?.string {
                rendered.hasOwnAddress = false
                if mode == "host" {
                    result.warnings.append("service \(name) uses the host's network: it is not isolated, its ports are the host's and collide between environments")
                }
                service["ports"] = nil
            } else {
                containerPorts = (service["ports"]?.sequence.map { Array($0) } ?? []).compactMap(ComposePorts.containerPort)
                if service["ports"] != nil {
                    service["ports"] = nil
                    let exposed = ComposePorts.exposed(existing: service["expose"], adding: containerPorts)
                    service["expose"] = exposed.isEmpty ? nil : .sequence(Node.Sequence(exposed))
                }
                try moveFixedAddresses(name, &service, strippedSubnets: strippedSubnets, warnings: &result.warnings)
            }
            try keepPathsInWorkspace(name, &service, warnings: &result.warnings)
            service["labels"] = labelsNode(merging: service["labels"])
            services[key] = .mapping(service)
            rendered.ports = containerPorts
            result.services.append(rendered)
        }
        root["services"] = .mapping(services)
        try rewriteTopLevelFiles(&root, warnings: &result.warnings)
        try rewriteVolumes(&root, result: &result)
        let names = result.services.map(\.name)
        let configured = defaultIngress.flatMap { names.contains($0) ? $0 : nil }
        result.ingress = labelledIngress ?? configured ?? ["web", "app", "frontend", "nginx"].first(where: names.contains)
        result.model = .mapping(root)
        return result
    }

    /// Prefixes the project's own networks, drops their fixed subnets and makes the default
    /// network the environment's. Returns the networks whose subnet was dropped.
    private func rewriteNetworks(_ root: inout Node.Mapping, warnings: inout [String]) -> Set<String> {
        var stripped = Set<String>()
        var rewritten = Node.Mapping([])
        for (key, value) in root["networks"]?.mapping ?? Node.Mapping([]) {
            guard let name = key.string, name != "default" else { continue }
            var network = value.mapping ?? Node.Mapping([])
            if network["external"]?.bool == true {
                rewritten[key] = value
                warnings.append("network \(name) is external: shared with everything else using it")
                continue
            }
            network["name"] = Node("\(dockerName)_\(name)")
            if var ipam = network["ipam"]?.mapping, ipam["config"] != nil {
                ipam["config"] = nil  // fixed subnets would collide between environments
                network["ipam"] = .mapping(ipam)
                stripped.insert(name)
            }
            network["labels"] = labelsNode(merging: network["labels"])
            rewritten[key] = .mapping(network)
        }
        rewritten["default"] = .mapping(Node.Mapping([
            (Node("external"), Node("true", Tag(.bool))),
            (Node("name"), Node(dockerName)),
        ]))
        root["networks"] = .mapping(rewritten)
        return stripped
    }

    /// A fixed `ipv4_address` on the default network keeps its host part inside the
    /// environment's subnet; on a network whose subnet was dropped it cannot be kept.
    private func moveFixedAddresses(
        _ name: String, _ service: inout Node.Mapping, strippedSubnets: Set<String>, warnings: inout [String]
    ) throws(CiloError) {
        guard var networks = service["networks"]?.mapping else { return }
        for (key, value) in networks {
            guard let network = key.string, var settings = value.mapping, let old = settings["ipv4_address"]?.string else { continue }
            if network == "default", let subnet {
                guard let oldSubnet = Subnet(old + "/32") else {
                    throw CiloError(.invalidArgument, "service \(name): ipv4_address '\(old)' is not an IPv4 address")
                }
                let hostPart = oldSubnet.address & ~Subnet.mask(subnet.prefix)
                guard hostPart > 1 && hostPart < ~Subnet.mask(subnet.prefix) else {
                    throw CiloError(.invalidArgument, "service \(name): ipv4_address \(old) has no usable host part in the environment's subnet \(subnet)")
                }
                let new = subnet.host(hostPart)
                settings["ipv4_address"] = Node(new)
                warnings.append("service \(name): ipv4_address \(old) is \(new) in this environment; values naming the old address need the new one")
            } else if strippedSubnets.contains(network) || network == "default" {
                settings["ipv4_address"] = nil
                warnings.append("service \(name): ipv4_address \(old) on network \(network) dropped with the network's fixed subnet; Docker picks one")
            } else {
                continue
            }
            networks[key] = .mapping(settings)
        }
        service["networks"] = .mapping(networks)
    }

    /// Bind mounts and build contexts: inside the workspace they stay; one that left the
    /// project is taken back to the source project's side and named in a warning.
    private func keepPathsInWorkspace(_ name: String, _ service: inout Node.Mapping, warnings: inout [String]) throws(CiloError) {
        if var volumes = service["volumes"]?.sequence.map({ Array($0) }) {
            for index in volumes.indices {
                volumes[index] = try boundVolume(volumes[index], service: name, warnings: &warnings)
            }
            service["volumes"] = .sequence(Node.Sequence(volumes))
        }
        if var build = service["build"]?.mapping, let context = build["context"]?.string, context.hasPrefix("/") {
            build["context"] = Node(try hostPath(context, what: "service \(name): build context", warnings: &warnings))
            service["build"] = .mapping(build)
        } else if let context = service["build"]?.string, context.hasPrefix("/") {
            service["build"] = Node(try hostPath(context, what: "service \(name): build context", warnings: &warnings))
        }
    }

    private func boundVolume(_ volume: Node, service: String, warnings: inout [String]) throws(CiloError) -> Node {
        if var mapping = volume.mapping {
            guard mapping["type"]?.string == "bind", let source = mapping["source"]?.string else { return volume }
            mapping["source"] = Node(try hostPath(source, what: "service \(service): bind mount \(source)", warnings: &warnings))
            return .mapping(mapping)
        }
        guard let text = volume.string, text.hasPrefix("/") else { return volume }  // a named volume or anonymous
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return volume }
        parts[0] = try hostPath(parts[0], what: "service \(service): bind mount \(parts[0])", warnings: &warnings)
        return Node(parts.joined(separator: ":"))
    }

    /// `configs:` and `secrets:` read from files.
    private func rewriteTopLevelFiles(_ root: inout Node.Mapping, warnings: inout [String]) throws(CiloError) {
        for section in ["configs", "secrets"] {
            guard var entries = root[section]?.mapping else { continue }
            for (key, value) in entries {
                guard var entry = value.mapping, let file = entry["file"]?.string, file.hasPrefix("/") else { continue }
                entry["file"] = Node(try hostPath(file, what: "\(section) \(key.string ?? ""): file", warnings: &warnings))
                entries[key] = .mapping(entry)
            }
            root[section] = .mapping(entries)
        }
    }

    func hostPath(_ path: String, what: String, warnings: inout [String]) throws(CiloError) -> String {
        guard let paths else { return path }
        switch try paths.resolve(path) {
        case .workspace(let inside):
            return inside
        case .outside(let outside):
            warnings.append("\(what) is outside the project's workspace (\(outside)): every environment shares it")
            return outside
        }
    }

    /// What a shared service loses like any other: its published ports and fixed name.
    static func sharedWarnings(_ name: String, _ service: Node.Mapping) -> [String] {
        var warnings: [String] = []
        if let ports = service["ports"]?.sequence, !ports.isEmpty {
            warnings.append("shared service \(name): its published ports are not published on the host (environments reach it as \(name) on their own network)")
        }
        if let fixed = service["container_name"]?.string {
            warnings.append("shared service \(name): container_name \(fixed) dropped (cilo names its container)")
        }
        return warnings
    }

    /// Privileges that reach past the environment, each named (whether a restart may add them
    /// is `HostPower`'s judgement, against the source's model).
    static func privilegeWarnings(_ name: String, _ service: Node.Mapping) -> [String] {
        let powers = HostPower.find(inService: name, service, root: nil)
        var warnings: [String] = []
        if service["privileged"]?.bool == true { warnings.append("service \(name) is privileged: it can reach the host and every environment") }
        let devices = powers.filter { $0.kind == "devices" }.map(\.detail).sorted()
        if !devices.isEmpty { warnings.append("service \(name) uses host devices (\(devices.joined(separator: ", "))): shared by every environment") }
        for key in ["pid", "ipc"] where service[key]?.string == "host" {
            warnings.append("service \(name) shares the host's \(key) namespace: it is not isolated")
        }
        for power in powers.sorted() where ["cap_add", "userns_mode", "security_opt", "sysctls"].contains(power.kind) {
            warnings.append("\(power.description): \(power.consequence)")
        }
        return warnings
    }

    private func hostnames(of service: String, _ labels: Node?, warnings: inout [String]) -> [String] {
        var names: [String] = []
        for hostname in Self.labelValue(labels, "dev.cilo.hostnames")?.split(whereSeparator: { $0 == "," || $0 == " " }) ?? [] {
            let candidate = hostname.lowercased()
            if DNSSettings.isLabel(candidate) { names.append(candidate) } else {
                warnings.append("service \(service): '\(hostname)' in dev.cilo.hostnames is not a DNS label; ignored")
            }
        }
        return names
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
    func labelsNode(merging existing: Node?) -> Node {
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
}
