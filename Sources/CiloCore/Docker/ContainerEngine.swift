/// What cilo asks of the container engine: Docker's objects (containers, networks, images)
/// and Compose. `DockerClient` is the real one; the unit tests drive the lifecycle through a
/// fake that keeps its containers in memory, so a create, up, down or destroy (and its
/// rollback) is tested without root and without Docker.
///
/// Every object cilo makes carries `dev.cilo.managed=true`, `dev.cilo.project`, `dev.cilo.env`
/// and `dev.cilo.home`; what an engine lists and removes is found by those labels and is only
/// its `home`'s.
public protocol ContainerEngine: Sendable {
    /// The cilo home whose objects this engine lists and removes; nil: every home's.
    var home: String? { get }

    /// The engine's version; one clear error line when no engine answers.
    func engineVersion() async throws(CiloError) -> String
    /// Every cilo-managed container of this home (of one project; of one environment and the
    /// project's shared services), with exit codes, memory kills, restarts and limits.
    func managedContainers(project: String?, env: String?) async throws(CiloError) -> [DockerClient.Container]
    /// Every cilo-managed container of this home as `id state health`, from one listing and no
    /// inspection: what changes when a container starts, stops, dies or turns unhealthy.
    func containerStates() async throws(CiloError) -> [String]
    /// Every container of one environment, inspected (state, health, addresses, networks).
    func inspectContainers(project: String, env: String) async throws(CiloError) -> [ContainerInspection]
    /// The shared containers of `project` made by this home, inspected.
    func sharedContainers(project: String) async throws(CiloError) -> [ContainerInspection]
    /// The last `lines` log lines of a container (empty when they cannot be read: they only
    /// decorate an error that is already being reported).
    func logs(containerID: String, lines: Int) async -> String

    /// Subnets of every network on the host.
    func networkSubnets() async throws(CiloError) -> [Subnet]
    /// The cilo home that made network `name` (empty when unlabelled); nil when there is none.
    func networkHome(_ name: String) async throws(CiloError) -> String?
    /// Creates an environment's bridge network on its own subnet, labelled.
    func createNetwork(_ name: String, subnet: Subnet, labels: [(String, String)]) async throws(CiloError)
    /// Creates a labelled bridge network unless it exists (the engine picks its subnet).
    func ensureLabelledNetwork(_ name: String, labels: [(String, String)]) async throws(CiloError)
    /// Connects a container to a network under `aliases`; already connected is fine.
    func connect(_ container: String, to network: String, aliases: [String]) async throws(CiloError)
    /// Disconnects a container from a network; not connected (or either gone) is fine.
    func disconnect(_ container: String, from network: String) async throws(CiloError)
    /// Stops containers; they stay, with their volumes.
    func stop(_ containers: [String]) async throws(CiloError)
    /// Freezes running containers where they stand (the cgroup freezer); already paused is fine.
    func pause(_ containers: [String]) async throws(CiloError)
    /// Thaws paused containers; not paused, or gone, is fine.
    func unpause(_ containers: [String]) async throws(CiloError)

    /// Removes every container of this project and environment (volumes kept).
    func removeContainers(project: String, env: String) async throws(CiloError)
    /// Removes every container, volume and network of this project and environment.
    /// - Returns: what stays through the engine's own fault, each in a sentence (said as warnings).
    @discardableResult
    func removeLabelled(project: String, env: String) async throws(CiloError) -> [String]
    /// Removes every container, volume and network of `project`'s shared services.
    /// - Returns: as `removeLabelled`.
    @discardableResult
    func removeShared(project: String) async throws(CiloError) -> [String]
    /// Removes image `tag` unless a container uses it; an absent image is fine.
    func removeImageIfUnused(_ tag: String) async throws(CiloError)

    /// Every container, network and volume labelled `dev.cilo.managed=true`.
    func managedObjects() async throws(CiloError) -> [DockerClient.ManagedObject]
    /// The bridge interface of network `name` and its addresses; nil when there is none.
    func bridge(of name: String) async throws(CiloError) -> (interface: String, addresses: Set<String>)?

    /// The size of image `tag` in bytes (its layers, shared ones included).
    func imageSize(_ tag: String) async throws(CiloError) -> Int
    /// The images cilo built for environments (`dev.cilo.built`), with their sizes.
    func builtImages() async throws(CiloError) -> [DockerClient.BuiltImage]
    /// Removes dangling images cilo built (of one project, or all).
    func removeDanglingBuiltImages(project: String?) async throws(CiloError)
    /// Whether a container uses image `tag`.
    func imageInUse(_ tag: String) async throws(CiloError) -> Bool
    /// The build cache's size and what of it is reclaimable, as the engine says them; nil when it says nothing.
    func buildCache() async throws(CiloError) -> (bytes: String, reclaimable: String)?
    /// Where each named volume keeps its data on the host, by name: the folder it is bound to
    /// (the local driver's `device`: cilo's in its home), else Docker's mountpoint.
    func volumeMountpoints(_ names: [String]) async throws(CiloError) -> [String: String]

    /// The named volumes of one environment made by this home.
    func environmentVolumes(project: String, env: String) async throws(CiloError) -> [EngineVolume]
    /// Removes one volume; an absent one is fine.
    func removeVolume(_ name: String) async throws(CiloError)

    /// The Compose this engine drives (v2 or v1, with its version), detected once.
    func composeTool() async throws(CiloError) -> ComposeTool
    /// Runs Compose; a non-zero exit is a result, not an error.
    func compose(_ call: ComposeCall) async throws(CiloError) -> ToolResult
}

/// One Compose invocation: `compose -p NAME -f FILE... ARGUMENTS` in a folder, with variables.
public struct ComposeCall: Sendable {
    /// The compose project (`-p`).
    public var projectName: String
    /// The compose files (`-f`), in order.
    public var files: [String]
    /// The compose command and its options (`up -d`, `config`, `down`).
    public var arguments: [String]
    /// Where compose runs: relative paths of the project resolve there.
    public var workingDirectory: String
    /// Variables beyond cilo's own environment (they win over it).
    public var environment: [String: String]

    public init(projectName: String, files: [String], arguments: [String], workingDirectory: String, environment: [String: String]) {
        self.projectName = projectName
        self.files = files
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.environment = environment
    }
}

extension ContainerEngine {
    /// Throws one clear line when no engine answers.
    public func requireEngine() async throws(CiloError) {
        _ = try await engineVersion()
    }

    /// Whether the engine answers; what it said when not is of no further use to the caller
    /// (a listing falls back to the records and says so).
    func answers() async -> Bool {
        do throws(CiloError) {
            try await requireEngine()
            return true
        } catch {
            return false
        }
    }

    /// Every cilo-managed container of this home.
    public func managedContainers() async throws(CiloError) -> [DockerClient.Container] {
        try await managedContainers(project: nil, env: nil)
    }

    /// The last 15 log lines of a container.
    public func logs(containerID: String) async -> String {
        await logs(containerID: containerID, lines: 15)
    }

    /// Whether an object whose `dev.cilo.home` label is `label` (empty: none) is this engine's home's.
    func isOwn(homeLabel label: String?) -> Bool {
        guard let home, let label, !label.isEmpty else { return true }
        return label == home
    }

    /// The command line that runs `call` (for `cilo compose`, `logs` and `exec`, which hand the
    /// terminal to compose).
    public func composeCommandLine(projectName: String, files: [String], _ arguments: [String]) async throws(CiloError) -> [String] {
        let tool = try await composeTool()
        return [tool.executable] + tool.arguments(projectName: projectName, files: files, arguments)
    }
}

/// One named volume as the engine describes it.
public struct EngineVolume: Sendable, Equatable {
    public var name: String
    public var driver: String
    /// Where Docker keeps its data (the local driver's `_data`).
    public var mountpoint: String
    /// The driver's options (`type`, `o`, `device`): none for a volume Docker manages plainly.
    public var options: [String: String]
    public var labels: [String: String]

    public init(name: String, driver: String, mountpoint: String, options: [String: String], labels: [String: String]) {
        self.name = name
        self.driver = driver
        self.mountpoint = mountpoint
        self.options = options
        self.labels = labels
    }
}

extension ContainerEngine {
    /// From the full listing, for engines without a cheaper one.
    public func containerStates() async throws(CiloError) -> [String] {
        try await managedContainers(project: nil, env: nil).map { "\($0.id) \($0.state) \($0.health ?? "")" }.sorted()
    }
}
