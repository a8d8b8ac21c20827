import Yams

/// Which of a project's services run once for all its environments, and the rewrite of an
/// environment's model without them.
///
/// A service is shared when labelled `dev.cilo.share: "true"` (or the original's
/// `cilo.share`) or named by `--shared`, unless `--isolate` names it. The environment's own
/// compose file then leaves it out: `depends_on` and `links` naming it are dropped (cilo
/// starts it and waits for it to be ready before the environment's services start), and each
/// of its networks that a service of the environment uses becomes one cilo makes, so the shared
/// container can be attached to it, under its name, before anything of the environment starts.
public struct ComposeSharing: Sendable {
    /// The choice of `--shared` and `--isolate`.
    public var choice: SharingChoice

    public init(choice: SharingChoice) {
        self.choice = choice
    }

    /// One shared service as an environment sees it.
    public struct Attachment: Sendable, Equatable {
        public var service: RenderedService
        /// The environment's networks (Docker names) it joins, each with the names it answers to there.
        public var networks: [Network]

        public struct Network: Sendable, Equatable {
            public var name: String
            public var aliases: [String]
        }
    }

    /// Whether a service's labels ask for it to be shared.
    static func isLabelledShared(_ labels: Node?) -> Bool {
        ["dev.cilo.share", "cilo.share"].contains { ComposeIsolation.labelValue(labels, $0)?.lowercased() == "true" }
    }

    /// Names the shared services of an isolated environment model, checks they can be shared,
    /// and removes them from it. `dockerName` is the environment's network.
    func split(_ result: inout ComposeIsolation.Result, dockerName: String) throws(CiloError) -> [Attachment] {
        guard var root = result.model.mapping, var services = root["services"]?.mapping else { return [] }
        let names = result.services.map(\.name)
        for asked in choice.shared + choice.isolated where !names.contains(asked) {
            let flag = choice.shared.contains(asked) ? "--shared" : "--isolate"
            throw CiloError(.invalidArgument, "\(flag) \(asked): the project has no service '\(asked)' (its services: \(names.joined(separator: ", ")))")
        }
        let labelled = services.compactMap { key, value in Self.isLabelledShared(value.mapping?["labels"]) ? key.string : nil }
        let shared = Set(labelled + choice.shared).subtracting(choice.isolated)
        guard !shared.isEmpty else { return [] }
        for name in shared.sorted() {
            if let mode = services[Node(name)]?.mapping?["network_mode"]?.string {
                throw CiloError(.invalidArgument, "service \(name) cannot be shared: it uses network_mode \(mode) (--isolate \(name) runs it per environment)")
            }
        }
        var links: [String: [String]] = [:]
        var usedNetworks = Set<String>()
        for (key, value) in services {
            guard let name = key.string, !shared.contains(name), var service = value.mapping else { continue }
            try Self.refuseBorrowing(name, service, shared: shared)
            Self.dropDependencies(&service, on: shared)
            for (target, alias) in Self.dropLinks(&service, to: shared) where alias != target { links[target, default: []].append(alias) }
            usedNetworks.formUnion(Self.networkNames(service))
            services[key] = .mapping(service)
        }
        var attachments: [Attachment] = []
        var networks = root["networks"]?.mapping ?? Node.Mapping([])
        for rendered in result.services where shared.contains(rendered.name) {
            let service = services[Node(rendered.name)]?.mapping ?? Node.Mapping([])
            var joined: [Attachment.Network] = []
            // Always the default network too: the address the host's names and CILO_SERVICE_* give.
            let reachable = Self.networkNames(service).filter { usedNetworks.contains($0) && $0 != "default" }
            for network in ["default"] + reachable {
                let aliases = [rendered.name] + Self.aliases(service, on: network) + (links[rendered.name] ?? [])
                var unique: [String] = []
                for alias in aliases where !unique.contains(alias) { unique.append(alias) }
                let dockerNetwork = network == "default" ? dockerName : "\(dockerName)_\(network)"
                if network != "default", networks[Node(network)]?.mapping?["external"]?.bool != true {
                    // Made by cilo before compose runs, so the shared container joins it first.
                    networks[Node(network)] = .mapping(Node.Mapping([
                        (Node("external"), Node("true", Tag(.bool))), (Node("name"), Node(dockerNetwork)),
                    ]))
                }
                joined.append(Attachment.Network(name: dockerNetwork, aliases: unique))
            }
            attachments.append(Attachment(service: rendered, networks: joined))
            services[Node(rendered.name)] = nil
        }
        root["services"] = .mapping(services)
        root["networks"] = .mapping(networks)
        result.model = .mapping(root)
        result.services.removeAll { shared.contains($0.name) }
        return attachments
    }

    /// The shared project's model: only the services `kept` (an environment's active shared
    /// ones), without profiles (cilo decides what starts) and without dependencies on services
    /// that are not shared, which are named in warnings.
    static func keepOnly(_ kept: Set<String>, in result: inout ComposeIsolation.Result) throws(CiloError) {
        guard var root = result.model.mapping, var services = root["services"]?.mapping else { return }
        for name in kept where services[Node(name)] == nil {
            throw CiloError(.invalidArgument, "shared service \(name) is not in the project's compose files (its source folder): it cannot be started once for all")
        }
        for (key, value) in services {
            guard let name = key.string, kept.contains(name), var service = value.mapping else {
                services[key] = nil
                continue
            }
            let dropped = Set(Self.dependencyNames(service)).subtracting(kept)
            for other in dropped.sorted() {
                result.warnings.append("shared service \(name) depends on \(other), which is not shared: that dependency is not kept")
            }
            dropDependencies(&service, on: dropped)
            service["profiles"] = nil
            services[key] = .mapping(service)
        }
        root["services"] = .mapping(services)
        result.model = .mapping(root)
        result.services.removeAll { !kept.contains($0.name) }
    }

    /// The label that holds a shared container's definition digest.
    public static let digestLabel = "dev.cilo.shared.hash"

    /// Labels each service of the shared project's model with the digest of its resolved
    /// definition (image, command, environment, volumes, limits, health check, everything
    /// compose config resolved), so a changed definition is told from the running one.
    static func stampDigests(_ result: inout ComposeIsolation.Result) throws(CiloError) {
        guard var root = result.model.mapping, var services = root["services"]?.mapping else { return }
        for (key, value) in services {
            guard let name = key.string, var service = value.mapping else { continue }
            let text: String
            do { text = try Yams.serialize(node: .mapping(service)) } catch {
                throw CiloError(.failed, "cannot describe shared service \(name): \(error)")
            }
            let digest = BuildContextDigest.of(text: text)
            var labels = service["labels"]?.mapping ?? Node.Mapping([])
            labels[Node(digestLabel)] = Node(digest, Tag(.str), .doubleQuoted)
            service["labels"] = .mapping(labels)
            services[key] = .mapping(service)
            result.definitionDigests[name] = digest
        }
        root["services"] = .mapping(services)
        result.model = .mapping(root)
    }

    private static func dependencyNames(_ service: Node.Mapping) -> [String] {
        if let mapping = service["depends_on"]?.mapping { return mapping.compactMap { $0.key.string } }
        return service["depends_on"]?.sequence?.compactMap(\.string) ?? []
    }

    /// The networks of the environment cilo makes for shared services (all but its default one).
    static func madeNetworks(_ attachments: [Attachment], dockerName: String) -> [String] {
        Array(Set(attachments.flatMap { $0.networks.map(\.name) }).subtracting([dockerName])).sorted()
    }

    /// A service that runs in a shared service's namespace or mounts its volumes cannot be split from it.
    private static func refuseBorrowing(_ name: String, _ service: Node.Mapping, shared: Set<String>) throws(CiloError) {
        if let mode = service["network_mode"]?.string, mode.hasPrefix("service:"), shared.contains(String(mode.dropFirst(8))) {
            throw CiloError(.invalidArgument, "service \(name) uses the network of shared service \(mode.dropFirst(8)): --isolate \(mode.dropFirst(8)) runs it per environment")
        }
        for source in service["volumes_from"]?.sequence?.compactMap(\.string) ?? [] {
            let target = String((source.hasPrefix("service:") ? source.dropFirst(8) : Substring(source)).split(separator: ":").first ?? "")
            if shared.contains(target) {
                throw CiloError(.invalidArgument, "service \(name) mounts the volumes of shared service \(target): --isolate \(target) runs it per environment")
            }
        }
    }

    /// `depends_on` without the shared services (list or mapping form).
    static func dropDependencies(_ service: inout Node.Mapping, on shared: Set<String>) {
        if var mapping = service["depends_on"]?.mapping {
            for name in shared { mapping[Node(name)] = nil }
            service["depends_on"] = mapping.isEmpty ? nil : .mapping(mapping)
        } else if let list = service["depends_on"]?.sequence {
            let kept = list.filter { !shared.contains($0.string ?? "") }
            service["depends_on"] = kept.isEmpty ? nil : .sequence(Node.Sequence(kept))
        }
    }

    /// `links` without the shared services. - Returns: each dropped link's target and alias.
    private static func dropLinks(_ service: inout Node.Mapping, to shared: Set<String>) -> [(String, String)] {
        guard let list = service["links"]?.sequence else { return [] }
        var dropped: [(String, String)] = []
        let kept = list.filter { item in
            let parts = (item.string ?? "").split(separator: ":", maxSplits: 1).map(String.init)
            guard let target = parts.first, shared.contains(target) else { return true }
            dropped.append((target, parts.count > 1 ? parts[1] : target))
            return false
        }
        service["links"] = kept.isEmpty ? nil : .sequence(Node.Sequence(kept))
        return dropped
    }

    /// The networks a resolved service is on (`default` when it names none).
    static func networkNames(_ service: Node.Mapping) -> [String] {
        if service["network_mode"] != nil { return [] }
        if let mapping = service["networks"]?.mapping { return mapping.compactMap { $0.key.string } }
        if let list = service["networks"]?.sequence { return list.compactMap(\.string) }
        return ["default"]
    }

    private static func aliases(_ service: Node.Mapping, on network: String) -> [String] {
        service["networks"]?.mapping?[Node(network)]?.mapping?["aliases"]?.sequence?.compactMap(\.string) ?? []
    }
}

/// `--shared` and `--isolate` of one environment, kept in its record for its later starts.
public struct SharingChoice: Codable, Sendable, Equatable {
    /// Services shared though not labelled.
    public var shared: [String] = []
    /// Services run per environment though labelled shared.
    public var isolated: [String] = []

    public init(shared: [String] = [], isolated: [String] = []) {
        self.shared = shared
        self.isolated = isolated
    }

    public var isEmpty: Bool { shared.isEmpty && isolated.isEmpty }

    /// This choice with `newer`'s names winning: a service named by one flag now leaves the other list.
    public func updated(with newer: SharingChoice) -> SharingChoice {
        SharingChoice(
            shared: Array(Set(shared).subtracting(newer.isolated).union(newer.shared)).sorted(),
            isolated: Array(Set(isolated).subtracting(newer.shared).union(newer.isolated)).sorted())
    }
}
