import CiloSystem
import Foundation

/// The real container engine: Docker through the `docker` CLI, Compose as v2 or v1.
/// Everything cilo creates carries the labels `dev.cilo.managed=true`, `dev.cilo.project`,
/// `dev.cilo.env`, and everything it removes is found by those labels.
public struct DockerClient: ContainerEngine {
    /// The cilo home whose objects this client lists and removes (`dev.cilo.home`); objects of
    /// another home with the same project and environment names are never touched. Nil: every
    /// home's (objects made before the label existed count as every home's).
    public var home: String?
    /// The Compose to drive instead of the detected one (`$CILO_COMPOSE`).
    public var composeOverride: String?
    /// Reads go here when the engine's endpoint is one cilo speaks to (a unix socket, plain TCP);
    /// nil: every call goes through the CLI (ssh, TLS).
    let api: EngineAPI?

    public init(
        home: String? = nil, composeOverride: String? = HostFacts.environment("CILO_COMPOSE"), endpoint: DockerEndpoint = .current()
    ) {
        self.home = home
        self.composeOverride = composeOverride
        self.api = EngineAPI(endpoint)
    }

    /// Compose as `$CILO_COMPOSE` names it, else v2, else v1 (detected once per process).
    public func composeTool() async throws(CiloError) -> ComposeTool {
        try await ComposeTool.detect(override: composeOverride)
    }

    /// Runs Compose for `call`.
    public func compose(_ call: ComposeCall) async throws(CiloError) -> ToolResult {
        let tool = try await composeTool()
        return try await ToolRunner.run(
            tool.executable, tool.arguments(projectName: call.projectName, files: call.files, call.arguments),
            workingDirectory: call.workingDirectory, environment: call.environment)
    }

    /// A container as `docker ps` lists it.
    public struct Container: Sendable, Equatable {
        public var id: String
        public var project: String
        public var env: String
        public var service: String
        /// `running`, `exited`, `created`, `restarting`, ...
        public var state: String
        /// `healthy`, `unhealthy`, `starting`, or nil without a health check.
        public var health: String?
        /// Exited with code 0.
        public var exitedCleanly = false
        /// The kernel killed a process of it for lack of memory since it last started (Docker's `OOMKilled`).
        public var oomKilled = false
        /// Processes the kernel killed in its cgroup for lack of memory (its init or any other);
        /// nil until read (`MemoryKills.annotate`) or when it does not run.
        public var oomKills: Int?
        /// How often Docker restarted it.
        public var restartCount = 0
        /// Its memory limit in bytes; nil without one.
        public var memoryLimit: Int?
        /// One of the project's shared services (`dev.cilo.shared`): no environment's own.
        public var shared = false
    }

    func docker(_ arguments: [String]) async throws(CiloError) -> ToolResult {
        try await ToolRunner.run("docker", arguments)
    }

    func check(_ arguments: [String], _ what: String) async throws(CiloError) -> ToolResult {
        let result = try await docker(arguments)
        guard result.succeeded else { throw CiloError(.failed, "\(what) failed: \(result.tail())") }
        return result
    }

    /// The engine's version; one clear error line when no Docker engine answers.
    public func engineVersion() async throws(CiloError) -> String {
        if let api {
            struct Version: Decodable { var version: String; enum CodingKeys: String, CodingKey { case version = "Version" } }
            return try await api.decoded(Version.self, "/version").version
        }
        let result = try await docker(["info", "--format", "{{.ServerVersion}}"])
        guard result.succeeded else {
            throw CiloError(.failed, "Docker is not reachable (\(result.tail(1))): start it with `systemctl start docker` or `dockerd &` (scripts/bootstrap does)")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A container, network or volume carrying cilo's labels.
    public struct ManagedObject: Sendable, Equatable {
        public enum Kind: String, Sendable { case container, network, volume }
        public var kind: Kind
        /// The container ID, or the network or volume name.
        public var name: String
        public var project: String
        public var env: String
        /// The cilo home that made it (`dev.cilo.home`), nil when unlabelled.
        public var home: String?
        /// One of a project's shared services' objects (`dev.cilo.shared`), no environment's.
        public var shared = false

        public init(kind: Kind, name: String, project: String, env: String, home: String?, shared: Bool = false) {
            self.shared = shared
            self.kind = kind
            self.name = name
            self.project = project
            self.env = env
            self.home = home
        }

        /// "2 containers, 1 network", or "none".
        public static func summary(_ objects: [ManagedObject]) -> String {
            let counts = [Kind.container, .network, .volume].compactMap { kind -> String? in
                let number = objects.filter { $0.kind == kind }.count
                return number == 0 ? nil : "\(number) \(kind.rawValue)\(number == 1 ? "" : "s")"
            }
            return counts.isEmpty ? "none" : counts.joined(separator: ", ")
        }
    }

    /// Every container, network and volume labelled `dev.cilo.managed=true` (three calls).
    public func managedObjects() async throws(CiloError) -> [ManagedObject] {
        let labels = "\t{{.Label \"dev.cilo.project\"}}\t{{.Label \"dev.cilo.env\"}}\t{{.Label \"dev.cilo.home\"}}\t{{.Label \"dev.cilo.shared\"}}"
        let filter = ["--filter", "label=dev.cilo.managed=true"]
        var objects: [ManagedObject] = []
        let listings: [(ManagedObject.Kind, [String], String)] = [
            (.container, ["ps", "-a"], "{{.Names}}"), (.network, ["network", "ls"], "{{.Name}}"), (.volume, ["volume", "ls"], "{{.Name}}"),
        ]
        for (kind, command, name) in listings {
            let result = try await check(command + filter + ["--format", name + labels], "docker \(command.joined(separator: " "))")
            for line in result.output.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 5 else { continue }
                objects.append(ManagedObject(
                    kind: kind, name: fields[0], project: fields[1], env: fields[2], home: fields[3].isEmpty ? nil : fields[3], shared: fields[4] == "true"))
            }
        }
        return objects
    }

    /// One line of `docker ps --format '{{json .}}'`, the fields cilo reads.
    private struct ListedContainer: Decodable {
        var id: String
        var state: String
        var status: String
        var labels: String
        enum CodingKeys: String, CodingKey { case id = "ID", state = "State", status = "Status", labels = "Labels" }
    }

    /// Every cilo-managed container of this home as `id state health`: one listing, no inspection.
    public func containerStates() async throws(CiloError) -> [String] {
        if let api { return try await containerStatesByAPI(api) }
        let result = try await check(["ps", "-a", "--no-trunc", "--filter", "label=dev.cilo.managed=true", "--format", "{{json .}}"], "listing containers")
        return try listedContainers(result.output).map { "\($0.id) \($0.state) \($0.health ?? "")" }.sorted()
    }

    /// Every cilo-managed container of this home (of one project, or one environment and the
    /// project's shared services, when given): two calls, the listing and an inspect of exit
    /// codes, memory kills, restarts and memory limits.
    public func managedContainers(project: String?, env: String?) async throws(CiloError) -> [Container] {
        if let api { return try await managedContainersByAPI(api, project: project, env: env) }
        var filters = ["--filter", "label=dev.cilo.managed=true"]
        if let project { filters += ["--filter", "label=dev.cilo.project=\(project)"] }
        let listedContainers = { (text: String) throws(CiloError) -> [Container] in
            try self.listedContainers(text).filter { env == nil || $0.env == env || $0.shared }
        }
        let inspect = ["inspect", "--format", "{{.Id}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.RestartCount}} {{.HostConfig.Memory}}"]
        let listing = ["ps", "-a", "--no-trunc"] + filters + ["--format", "{{json .}}"]
        guard let answers = try await listThenInspect(listing, inspect, ids: { text throws(CiloError) in try listedContainers(text).map(\.id) })
        else { return [] }
        var facts: [String: [Substring]] = [:]
        for line in answers.inspected.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 5 { facts[String(fields[0])] = fields }
        }
        return try listedContainers(answers.listed).map { listed in
            var container = listed
            guard let fields = facts[container.id] else { return container }
            container.exitedCleanly = container.state == "exited" && fields[1] == "0"
            container.oomKilled = fields[2] == "true"
            container.restartCount = Int(fields[3]) ?? 0
            container.memoryLimit = Int(fields[4]).flatMap { $0 > 0 ? $0 : nil }
            return container
        }
    }

    /// This home's containers in `docker ps --format '{{json .}}'` output.
    private func listedContainers(_ text: String) throws(CiloError) -> [Container] {
        var containers: [Container] = []
        for line in text.split(separator: "\n") {
            let listed: ListedContainer
            do { listed = try JSONDecoder().decode(ListedContainer.self, from: Data(line.utf8)) } catch {
                throw CiloError(.failed, "cannot read docker ps's answer", cause: ErrorText(error))
            }
            let labels = Self.parseLabels(listed.labels)
            guard isOwn(homeLabel: labels["dev.cilo.home"]) else { continue }
            // docker ps has no health field: its status column says it.
            let health = Self.health(inStatus: listed.status)
            var container = Container(
                id: listed.id, project: labels["dev.cilo.project"] ?? "", env: labels["dev.cilo.env"] ?? "",
                service: labels["com.docker.compose.service"] ?? "", state: listed.state, health: health)
            container.shared = labels["dev.cilo.shared"] == "true"
            containers.append(container)
        }
        return containers
    }

    /// `docker ps`'s label column, `key=value,key=value`.
    static func parseLabels(_ text: String) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            labels[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return labels
    }

    /// Every container of one environment, inspected (state, exit code, health, addresses).
    public func inspectContainers(project: String, env: String) async throws(CiloError) -> [ContainerInspection] {
        if let api { return try await inspectedByAPI(api, labels: ["dev.cilo.project=\(project)", "dev.cilo.env=\(env)"]) }
        let filters = ["--filter", "label=dev.cilo.project=\(project)", "--filter", "label=dev.cilo.env=\(env)"]
        guard let output = try await listThenInspect(["ps", "-aq", "--no-trunc"] + filters, ["inspect"])?.inspected else { return [] }
        return try ContainerInspection.decodeAll(output)
    }

    /// Lists with `list`, then runs `inspect` on the IDs `ids` reads from the listing (one per
    /// line by default); nil when there are none. An object removed between the two calls fails
    /// the inspect as a whole, so both are asked again, three times at most.
    func listThenInspect(
        _ list: [String], _ inspect: [String], ids: (String) throws(CiloError) -> [String] = { $0.split(separator: "\n").map(String.init) }
    ) async throws(CiloError) -> (listed: String, inspected: String)? {
        for attempt in 1...3 {
            let listed = try await check(list, "docker \(list[0])").output
            let found = try ids(listed)
            guard !found.isEmpty else { return nil }
            let result = try await docker(inspect + found)
            if result.succeeded { return (listed, result.output) }
            if attempt == 3 { throw CiloError(.failed, "docker \(inspect.prefix(2).joined(separator: " ")) failed: \(result.tail())") }
        }
        return nil
    }

    /// The last `lines` log lines of a container.
    public func logs(containerID: String, lines: Int) async -> String {
        // Only decoration of an error already being reported: unreadable logs are none.
        guard let result = try? await docker(["logs", "--tail", "\(lines)", containerID]) else { return "" }
        return (result.output + result.error).split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Subnets of every Docker network on the host (two calls: list, inspect).
    public func networkSubnets() async throws(CiloError) -> [Subnet] {
        if let api { return try await networkSubnetsByAPI(api) }
        guard let output = try await listThenInspect(
            ["network", "ls", "-q"], ["network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"])?.inspected
        else { return [] }
        return output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Subnet(String($0)) }
    }

    /// Whether a network of that name exists, and the cilo home that made it (`dev.cilo.home`,
    /// empty when unlabelled): nil when there is none.
    public func networkHome(_ name: String) async throws(CiloError) -> String? {
        if let api { return try await networkHomeByAPI(api, name) }
        let result = try await docker(["network", "inspect", "--format", "{{index .Labels \"dev.cilo.home\"}}", name])
        guard result.succeeded else { return nil }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "<no value>", with: "")
    }

    /// Creates the environment's bridge network on its own subnet, labelled.
    public func createNetwork(_ name: String, subnet: Subnet, labels: [(String, String)]) async throws(CiloError) {
        let labelArguments = labels.flatMap { ["--label", "\($0.0)=\($0.1)"] }
        _ = try await check(
            ["network", "create", "--driver", "bridge", "--subnet", subnet.description, "--gateway", subnet.host(1)]
                + labelArguments + [name], "creating network \(name)")
    }

    /// The size of image `tag` in bytes (its layers, shared ones included).
    public func imageSize(_ tag: String) async throws(CiloError) -> Int {
        let result = try await check(["image", "inspect", "--format", "{{.Size}}", tag], "docker image inspect")
        guard let size = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CiloError(.failed, "docker image inspect gave no size for \(tag)")
        }
        return size
    }

    /// The objects `listing` finds with `filters`, of this client's home.
    func labelled(_ listing: [String], _ identity: String, filters: [String]) async throws(CiloError) -> [String] {
        let format = identity + "\t{{.Label \"dev.cilo.home\"}}"
        let output = try await check(listing + filters + ["--format", format], "docker \(listing.joined(separator: " "))").output
        return output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return isOwn(homeLabel: fields.count > 1 ? fields[1] : nil) ? fields[0] : nil
        }
    }
}
