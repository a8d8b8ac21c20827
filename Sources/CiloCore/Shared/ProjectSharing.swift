import CiloSystem
import Foundation

/// An environment joining its project's shared services (`shared:` in `.cilo/config.yml`,
/// `--share`): started once for the project from its source folder, attached to each user's
/// networks under the service's name. The home-wide part (leaving, stopping idle ones,
/// removing) is `SharedServices`.
public struct ProjectSharing: EnvironmentCapability {
    public let context: EnvironmentContext

    /// Starts the shared services `attachments` names that are active for this start (once for
    /// the project: under its shared lock, so environments coming up at once make exactly one
    /// container), waits until they are ready, and attaches each to the environment's networks
    /// under its name. The caller holds the environment's lock; on failure the caller's
    /// clean-up leaves them (`SharedServices.leave`). - Returns: their records for the
    /// environment, and what their render could not keep (published ports, fixed names).
    func join(
        _ record: EnvironmentRecord, _ attachments: [ComposeSharing.Attachment], request: EnvironmentRequest
    ) async throws(CiloError) -> (services: [ServiceRecord], warnings: [String]) {
        let active = attachments.filter { $0.service.isActive(profiles: request.profiles) }
        let inactive = attachments.filter { !$0.service.isActive(profiles: request.profiles) }.map {
            var service = ServiceRecord(name: $0.service.name, ip: nil, ports: $0.service.ports, status: "inactive")
            service.shared = true
            return service
        }
        guard !active.isEmpty else { return (inactive, []) }
        let names = Set(active.map(\.service.name))
        let warnings = try await SharedServices(home: home, engine: engine).withLock(project: project.name) { () throws(CiloError) -> [String] in
            try await startShared(names, for: record, request: request)
        }
        let engine = self.engine
        let project = project.name
        var containers = try await ComposeStack(context: context).waitUntilReady(
            active.map(\.service), timeout: request.timeoutSeconds, naming: { "\($0) shared by project '\(project)'" }
        ) { () throws(CiloError) in try await engine.sharedContainers(project: project) }
        for attachment in active {
            for container in containers where container.service == attachment.service.name {
                for network in attachment.networks where !container.networks.contains(network.name) {
                    try await engine.connect(container.id, to: network.name, aliases: network.aliases)
                }
            }
        }
        containers = try await engine.sharedContainers(project: project)
        let services = active.map { attachment in
            let container = containers.first { $0.service == attachment.service.name }
            var service = ServiceRecord(
                name: attachment.service.name, ip: container?.addresses[record.dockerName], ports: attachment.service.ports,
                status: container.map(ComposeStack.statusText) ?? "missing", completes: !attachment.service.restartsAfterSuccess)
            service.shared = true
            return service
        }
        return (services + inactive, warnings)
    }

    /// Under the shared lock: renders the shared project from the source, refuses a changed
    /// definition while other environments use the running one, writes this environment as a
    /// user, and has compose start what is not running (recreating a changed one nobody uses).
    private func startShared(_ names: Set<String>, for record: EnvironmentRecord, request: EnvironmentRequest) async throws(CiloError) -> [String] {
        var state = try SharedServiceState.load(project: project.name, home: home)
        state.graceSeconds = project.config.sharedGraceSeconds
        let rendered = try await renderShared(names, profiles: request.profiles)
        let running = try await engine.sharedContainers(project: project.name)
        var othersUse = false
        for name in names.sorted() {
            let others = try state.liveUsers(of: name, project: project.name, home: home, except: record.name)
            let current = running.first { $0.service == name }?.labels[ComposeSharing.digestLabel]
            if let current, current != rendered.definitionDigests[name], !others.isEmpty {
                throw CiloError(.busy, "shared service \(name) of project '\(project.name)' changed (its resolved definition differs from the running container's) "
                    + "while \(others.joined(separator: ", ")) use\(others.count == 1 ? "s" : "") it: it is recreated at the first up after they are down; "
                    + "--isolate \(name) gives this environment its own")
            }
            othersUse = othersUse || !others.isEmpty
            var service = state.services[name] ?? SharedServiceState.Service()
            service.users = others + [record.name]
            service.stopAt = nil
            state.services[name] = service
        }
        // Written before anything starts: a cilo killed from here on leaves a user whose
        // environment does not run, which counts for nothing (`SharedServiceState.isAlive`).
        try state.save(project: project.name, home: home)
        let sharedName = SharedServiceState.dockerName(project: project.name)
        let isolation = sharedIsolation()
        var arguments = ["up", "-d"]
        if othersUse { arguments.append("--no-recreate") } else if request.recreate { arguments.append("--force-recreate") }
        if request.build { arguments.append("--build") }
        do throws(CiloError) {
            try await engine.ensureLabelledNetwork(sharedName, labels: isolation.labels)
            let result = try await composeShared(arguments + names.sorted())
            guard result.succeeded else {
                throw CiloError(.failed, "shared service\(names.count == 1 ? "" : "s") \(names.sorted().joined(separator: ", ")) of project '\(project.name)' failed to start: \(result.tail(4))")
            }
        } catch {
            for name in names { state.services[name]?.users.removeAll { $0 == record.name } }
            try state.save(project: project.name, home: home)
            throw error
        }
        return rendered.warnings
    }

    /// The shared project's isolation: its own compose project and network, host paths as in the source.
    private func sharedIsolation() -> ComposeIsolation {
        var isolation = ComposeIsolation(
            project: project.name, env: "", dockerName: SharedServiceState.dockerName(project: project.name), home: home.root.display,
            paths: ComposePaths(workspace: project.root, source: project.root, home: home.root.display))
        isolation.sharedScope = true
        return isolation
    }

    /// Renders the shared project from the project's own folder, as compose resolves it there
    /// (its env files, its `.env`, its relative paths), with only `names` in it, each stamped
    /// with its definition's digest.
    private func renderShared(_ names: Set<String>, profiles: [String]) async throws(CiloError) -> ComposeIsolation.Result {
        var renderer = ComposeRenderer(
            tool: try await engine.composeTool(), engine: engine, isolation: sharedIsolation(), limits: project.config.limits)
        renderer.sharedServices = names
        let files = try ComposeRenderer.composeFiles(in: project.root, configured: project.composeFiles)
        return try await renderer.render(
            workspace: project.root, files: files, output: sharedComposeFile, profiles: profiles, environment: try sharedEnvironment())
    }

    private var sharedComposeFile: BytePath {
        SharedServiceState.folder(project: project.name, home: home).appending(FileName("compose.yml"))
    }

    /// The variables of the shared project's interpolation: the project's env files read in its
    /// own folder, and `CILO_PROJECT` (no environment's own `CILO_*`: it belongs to none).
    private func sharedEnvironment() throws(CiloError) -> [String: String] {
        let files = try EnvFile.variables(project.config.envFiles, workspace: project.root, shell: ProcessInfo.processInfo.environment)
        return files.merging(["CILO_PROJECT": project.name]) { $1 }
    }

    /// The command line that runs compose on the project's shared services (`cilo exec` and `logs` of a shared service).
    public func sharedComposeCommandLine(_ arguments: [String]) async throws(CiloError) -> [String] {
        try await engine.composeCommandLine(
            projectName: SharedServiceState.dockerName(project: project.name), files: [sharedComposeFile.display], arguments)
    }

    /// Runs compose on the shared project, in the project's folder.
    private func composeShared(_ arguments: [String]) async throws(CiloError) -> ToolResult {
        try await engine.compose(ComposeCall(
            projectName: SharedServiceState.dockerName(project: project.name), files: [sharedComposeFile.display], arguments: arguments,
            workingDirectory: project.root, environment: try sharedEnvironment()))
    }
}
