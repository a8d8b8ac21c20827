@testable import CiloCore
import Foundation
import Synchronization
import Yams

/// A container engine in memory: networks with subnets, containers made by `compose up` from
/// the generated compose file, removed by `down` and by label. The transaction tests drive
/// `EnvironmentManager` through it, without root and without Docker.
///
/// What a service does when started follows its image: `fake/exits-1` exits with code 1,
/// `fake/job` exits 0 (a one-shot job), `fake/unhealthy` runs unhealthy, anything else runs
/// (healthy when it has a health check). `compose config` prints the first compose file as it
/// is, so the tests write their files in the form Compose would print them.
final class FakeEngine: ContainerEngine {
    struct FakeContainer: Sendable {
        var id: String
        var composeProject: String
        var service: String
        var image: String
        var labels: [String: String]
        var state: ContainerInspection.State
        /// Address by network name.
        var addresses: [String: String]
    }

    struct FakeNetwork: Sendable {
        var subnet: Subnet?
        var labels: [String: String]
        var hostsUsed = 1
    }

    struct State: Sendable {
        var reachable = true
        var networks: [String: FakeNetwork] = [:]
        var containers: [FakeContainer] = []
        /// Every call, as "compose up", "createNetwork NAME", ... in order.
        var calls: [String] = []
        /// Calls that fail: by the name `calls` records them under (first word pair), with how many more times.
        var failures: [String: Int] = [:]
        var failureReasons: [String: String] = [:]
        var nextID = 1
    }

    let home: String?
    private let state = Mutex(State())
    /// Runs before a compose command is carried out (its arguments): raise a flag, fail, block.
    let beforeCompose = Mutex<(@Sendable ([String]) -> Void)?>(nil)

    init(home: String) {
        self.home = home
    }

    /// Reads or changes the engine's state.
    func with<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLock { body(&$0) }
    }

    var calls: [String] { with { $0.calls } }
    var containers: [FakeContainer] { with { $0.containers } }
    var networkNames: Set<String> { with { Set($0.networks.keys) } }

    /// Runs `hook` with the arguments of each compose command before it is carried out.
    func beforeEachCompose(_ hook: @escaping @Sendable ([String]) -> Void) {
        beforeCompose.withLock { $0 = hook }
    }

    /// Makes the next `times` calls recorded as `call` fail.
    func fail(_ call: String, times: Int = 1, saying reason: String = "failed (fake)") {
        with {
            $0.failures[call] = times
            $0.failureReasons[call] = reason
        }
    }

    /// Records `call`, throwing when it was told to fail or the engine is unreachable.
    private func record(_ call: String) throws(CiloError) {
        let outcome: CiloError? = with { state in
            state.calls.append(call)
            guard state.reachable else { return CiloError(.failed, "Docker is not reachable (fake)") }
            let key = state.failures.keys.first { call.hasPrefix($0) }
            guard let key, let left = state.failures[key], left > 0 else { return nil }
            state.failures[key] = left - 1
            return CiloError(.failed, "\(call) \(state.failureReasons[key] ?? "failed (fake)")")
        }
        if let outcome { throw outcome }
    }

    func engineVersion() async throws(CiloError) -> String {
        try record("version")
        return "fake"
    }

    private func isShared(_ container: FakeContainer) -> Bool { container.labels["dev.cilo.shared"] == "true" }

    private func listed(_ container: FakeContainer) -> DockerClient.Container {
        var listed = DockerClient.Container(
            id: container.id, project: container.labels["dev.cilo.project"] ?? "", env: container.labels["dev.cilo.env"] ?? "",
            service: container.service, state: container.state.status, health: container.state.health)
        listed.exitedCleanly = container.state.status == "exited" && container.state.exitCode == 0
        listed.shared = isShared(container)
        return listed
    }

    private func inspected(_ container: FakeContainer) -> ContainerInspection {
        var inspection = ContainerInspection(id: container.id, state: container.state, service: container.service, addresses: container.addresses)
        inspection.networks = container.addresses.keys.sorted()
        inspection.labels = container.labels
        return inspection
    }

    private func own(_ container: FakeContainer) -> Bool { isOwn(homeLabel: container.labels["dev.cilo.home"]) }

    func managedContainers(project: String?, env: String?) async throws(CiloError) -> [DockerClient.Container] {
        try record("ps")
        return containers.filter { own($0) && (project == nil || $0.labels["dev.cilo.project"] == project) }
            .filter { env == nil || $0.labels["dev.cilo.env"] == env || isShared($0) }.map(listed)
    }

    func inspectContainers(project: String, env: String) async throws(CiloError) -> [ContainerInspection] {
        try record("inspect")
        return containers.filter { $0.labels["dev.cilo.project"] == project && $0.labels["dev.cilo.env"] == env }.map(inspected)
    }

    func sharedContainers(project: String) async throws(CiloError) -> [ContainerInspection] {
        try record("shared inspect")
        return containers.filter { own($0) && isShared($0) && $0.labels["dev.cilo.project"] == project }.map(inspected)
    }

    func logs(containerID: String, lines: Int) async -> String { "fake log line of \(containerID)" }

    func networkSubnets() async throws(CiloError) -> [Subnet] {
        try record("network subnets")
        return with { $0.networks.values.compactMap(\.subnet) }
    }

    func networkHome(_ name: String) async throws(CiloError) -> String? {
        try record("network inspect \(name)")
        return with { $0.networks[name].map { $0.labels["dev.cilo.home"] ?? "" } }
    }

    func createNetwork(_ name: String, subnet: Subnet, labels: [(String, String)]) async throws(CiloError) {
        try record("createNetwork \(name)")
        let made: Bool = with { state in
            guard state.networks[name] == nil, !state.networks.values.contains(where: { $0.subnet?.overlaps(subnet) == true }) else { return false }
            state.networks[name] = FakeNetwork(subnet: subnet, labels: Dictionary(labels) { $1 })
            return true
        }
        if !made { throw CiloError(.failed, "creating network \(name) failed: Pool overlaps with other one on this address space (fake)") }
    }

    func ensureLabelledNetwork(_ name: String, labels: [(String, String)]) async throws(CiloError) {
        try record("ensureNetwork \(name)")
        with { state in
            if state.networks[name] == nil { state.networks[name] = FakeNetwork(subnet: nil, labels: Dictionary(labels) { $1 }) }
        }
    }

    func connect(_ container: String, to network: String, aliases: [String]) async throws(CiloError) {
        try record("connect \(network)")
        with { state in
            guard let index = state.containers.firstIndex(where: { $0.id == container }) else { return }
            state.containers[index].addresses[network] = Self.address(on: network, in: &state)
        }
    }

    func disconnect(_ container: String, from network: String) async throws(CiloError) {
        try record("disconnect \(network)")
        with { state in
            guard let index = state.containers.firstIndex(where: { $0.id == container }) else { return }
            state.containers[index].addresses[network] = nil
        }
    }

    func stop(_ containers: [String]) async throws(CiloError) {
        try record("stop")
        with { state in
            for index in state.containers.indices where containers.contains(state.containers[index].id) {
                state.containers[index].state = ContainerInspection.State(status: "exited", exitCode: 0, health: nil)
            }
        }
    }

    func pause(_ containers: [String]) async throws(CiloError) { try setState(containers, to: "paused", action: "pause") }
    func unpause(_ containers: [String]) async throws(CiloError) { try setState(containers, to: "running", action: "unpause") }

    private func setState(_ containers: [String], to status: String, action: String) throws(CiloError) {
        try record("\(action) \(containers.count)")
        with { state in
            for index in state.containers.indices where containers.contains(state.containers[index].id) {
                let health = state.containers[index].state.health
                state.containers[index].state = ContainerInspection.State(status: status, exitCode: 0, health: health)
            }
        }
    }

    func removeContainers(project: String, env: String) async throws(CiloError) {
        try record("rm \(project)/\(env)")
        with { state in state.containers.removeAll { $0.labels["dev.cilo.project"] == project && $0.labels["dev.cilo.env"] == env } }
    }

    func removeLabelled(project: String, env: String) async throws(CiloError) -> [String] {
        try record("rm labelled \(project)/\(env)")
        with { state in
            state.containers.removeAll { $0.labels["dev.cilo.project"] == project && $0.labels["dev.cilo.env"] == env }
            state.networks = state.networks.filter { $0.value.labels["dev.cilo.project"] != project || $0.value.labels["dev.cilo.env"] != env }
        }
        return []
    }

    func removeShared(project: String) async throws(CiloError) -> [String] {
        try record("rm shared \(project)")
        with { state in
            state.containers.removeAll { $0.labels["dev.cilo.shared"] == "true" && $0.labels["dev.cilo.project"] == project }
        }
        return []
    }

    func removeImageIfUnused(_ tag: String) async throws(CiloError) { try record("rmi \(tag)") }
    func managedObjects() async throws(CiloError) -> [DockerClient.ManagedObject] {
        try record("objects")
        return containers.map { DockerClient.ManagedObject(kind: .container, name: $0.id, project: $0.labels["dev.cilo.project"] ?? "", env: $0.labels["dev.cilo.env"] ?? "", home: $0.labels["dev.cilo.home"]) }
    }
    func bridge(of name: String) async throws(CiloError) -> (interface: String, addresses: Set<String>)? { nil }
    func imageSize(_ tag: String) async throws(CiloError) -> Int { 0 }
    func builtImages() async throws(CiloError) -> [DockerClient.BuiltImage] { [] }
    func removeDanglingBuiltImages(project: String?) async throws(CiloError) {}
    func imageInUse(_ tag: String) async throws(CiloError) -> Bool { false }
    func buildCache() async throws(CiloError) -> (bytes: String, reclaimable: String)? { nil }
    func volumeMountpoints(_ names: [String]) async throws(CiloError) -> [String: String] { [:] }
    func environmentVolumes(project: String, env: String) async throws(CiloError) -> [EngineVolume] { [] }
    func removeVolume(_ name: String) async throws(CiloError) { try record("volume rm \(name)") }
    func composeTool() async throws(CiloError) -> ComposeTool { .v2 }

    func compose(_ call: ComposeCall) async throws(CiloError) -> ToolResult {
        let command = call.arguments.first { ["config", "up", "down"].contains($0) } ?? call.arguments.first ?? ""
        if let hook = beforeCompose.withLock({ $0 }) { hook(call.arguments) }
        // Compose that fails exits non-zero, saying why on standard error.
        do throws(CiloError) { try record("compose \(command) \(call.projectName)") } catch {
            return ToolResult(status: 1, output: "", error: error.message)
        }
        switch command {
        case "config":
            guard let file = call.files.first.map({ $0.hasPrefix("/") ? $0 : call.workingDirectory + "/" + $0 }),
                let text = try? String(contentsOfFile: file, encoding: .utf8)
            else {
                return ToolResult(status: 1, output: "", error: "no compose file (fake)")
            }
            return ToolResult(status: 0, output: text, error: "")
        case "up":
            return try up(call)
        case "down":
            with { state in state.containers.removeAll { $0.composeProject == call.projectName } }
            return ToolResult(status: 0, output: "", error: "")
        default:
            return ToolResult(status: 0, output: "", error: "")
        }
    }

    /// Starts every service of the generated file not yet running (only those named, when some are).
    private func up(_ call: ComposeCall) throws(CiloError) -> ToolResult {
        guard let file = call.files.first, let text = try? String(contentsOfFile: file, encoding: .utf8),
            let model = try? Yams.compose(yaml: text)?.mapping, let services = model["services"]?.mapping
        else { return ToolResult(status: 1, output: "", error: "cannot read the compose file (fake)") }
        let named = Set(call.arguments.drop { $0 != "-d" }.dropFirst().filter { !$0.hasPrefix("-") })
        let networkNames = model["networks"]?.mapping
        with { state in
            for (key, value) in services {
                guard let name = key.string, let service = value.mapping, named.isEmpty || named.contains(name) else { continue }
                if state.containers.contains(where: { $0.composeProject == call.projectName && $0.service == name }) { continue }
                var labels: [String: String] = [:]
                for (label, text) in service["labels"]?.mapping ?? Node.Mapping([]) { labels[label.string ?? ""] = text.string ?? "" }
                let keys = service["networks"]?.mapping.map { $0.keys.compactMap(\.string) } ?? ["default"]
                var addresses: [String: String] = [:]
                for network in keys {
                    let real = networkNames?[network]?.mapping?["name"]?.string ?? "\(call.projectName)_\(network)"
                    if state.networks[real] == nil { state.networks[real] = FakeNetwork(subnet: nil, labels: labels) }
                    addresses[real] = Self.address(on: real, in: &state)
                }
                let image = service["image"]?.string ?? "built"
                let status: ContainerInspection.State = switch image {
                case "fake/exits-1": .init(status: "exited", exitCode: 1, health: nil)
                case "fake/job": .init(status: "exited", exitCode: 0, health: nil)
                case "fake/unhealthy": .init(status: "running", exitCode: 0, health: "unhealthy")
                default: .init(status: "running", exitCode: 0, health: service["healthcheck"] == nil ? nil : "healthy")
                }
                state.containers.append(FakeContainer(
                    id: String(format: "fake%06d", state.nextID), composeProject: call.projectName, service: name, image: image,
                    labels: labels.merging(["com.docker.compose.service": name, "com.docker.compose.project": call.projectName]) { $1 },
                    state: status, addresses: addresses))
                state.nextID += 1
            }
        }
        return ToolResult(status: 0, output: "", error: "")
    }

    /// The next address on `network`: its subnet's next host, or a made-up one on a network without a subnet.
    private static func address(on network: String, in state: inout State) -> String {
        state.networks[network, default: FakeNetwork(subnet: nil, labels: [:])].hostsUsed += 1
        let used = state.networks[network]?.hostsUsed ?? 2
        return state.networks[network]?.subnet?.host(UInt32(used)) ?? "172.31.0.\(used)"
    }
}
