import CiloSystem
import Foundation

/// An environment's Compose stack: its compose file rendered from the workspace, its services
/// started on the environment's own network and waited for, stopped again. Compose runs as a
/// child of cilo through the container engine; what Compose made is found again by cilo's labels.
public struct ComposeStack: EnvironmentCapability {
    public let context: EnvironmentContext

    /// The variables compose interpolates with beyond the shell's own (inherited, and
    /// winning over env files as with plain compose): the project's `env_files`, then
    /// `extra` (`cilo run -e`), then cilo's `CILO_*`.
    func composeEnvironment(_ record: EnvironmentRecord, extra: [String: String] = [:]) throws(CiloError) -> [String: String] {
        let files = try context.readOnce.envFileVariables(project.config.envFiles, in: record.workspace, shell: ProcessInfo.processInfo.environment)
        return files.merging(extra) { $1 }.merging(record.composeVariables) { $1 }
    }

    /// Runs compose for the environment with its generated file, in its workspace.
    public func compose(_ record: EnvironmentRecord, _ arguments: [String], variables: [String: String] = [:]) async throws(CiloError) -> ToolResult {
        try await engine.compose(ComposeCall(
            projectName: record.dockerName, files: [record.composeFile], arguments: arguments, workingDirectory: record.workspace,
            environment: try composeEnvironment(record, extra: variables)))
    }

    /// The command line that runs compose for the environment (for `cilo compose`, `logs`, `exec`).
    /// Refused when another cilo home runs a project of that name (its containers are not this
    /// environment's).
    public func composeCommandLine(_ record: EnvironmentRecord, _ arguments: [String]) async throws(CiloError) -> [String] {
        if let owner = try await engine.networkHome(record.dockerName), !engine.isOwn(homeLabel: owner) {
            throw CiloError(.anotherHome, "'\(record.name)' of project '\(record.project)' runs from another cilo home (\(owner)), not this one: "
                + "its containers are that home's")
        }
        return try await engine.composeCommandLine(projectName: record.dockerName, files: [record.composeFile], arguments)
    }

    /// Starts the environment's services: its network (the subnet may move when Docker refuses
    /// it), the shared services it joins, `compose up`, then waits until each is ready. Fills
    /// in the record's services, names and images; saves nothing (the transaction does).
    /// - Returns: the images the environment built before and no longer uses.
    func start(_ record: inout EnvironmentRecord, rendered: ComposeIsolation.Result?, request: EnvironmentRequest) async throws(CiloError) -> [String] {
        var model: ComposeIsolation.Result
        if let rendered {
            model = rendered
        } else {
            try await Workspaces(context: context).prepareForStart(record)
            model = try await render(record, request: request)
        }
        let reservedSubnet = record.subnet
        try await EnvironmentNetwork(context: context).ensure(&record)
        if record.subnet != reservedSubnet {
            // The subnet moved (an overlap): fixed addresses must follow it.
            model = try await render(record, request: request)
        }
        // Shared services first: started once for the project, ready, and attached to this
        // environment's networks before any of its own services looks for them.
        let labels = ComposeIsolation(project: record.project, env: record.name, home: home.root.display).labels
        for network in ComposeSharing.madeNetworks(model.shared, dockerName: record.dockerName) {
            // Compose's own labels too: should the service stop being shared, compose takes the network as its own.
            let composeLabels = [("com.docker.compose.project", record.dockerName), ("com.docker.compose.network", String(network.dropFirst(record.dockerName.count + 1)))]
            try await engine.ensureLabelledNetwork(network, labels: labels + composeLabels)
        }
        let shared = model.shared.isEmpty
            ? (services: [], warnings: []) : try await ProjectSharing(context: context).join(record, model.shared, request: request)
        // Docker's local driver binds each volume's folder: it must exist before compose starts.
        try await EnvironmentVolumes(context: context).prepare(record, keys: model.volumes)
        var arguments = request.profiles.flatMap { ["--profile", $0] } + ["up", "-d", "--remove-orphans"]
        if request.build { arguments.append("--build") }
        if request.recreate { arguments.append("--force-recreate") }
        if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
        stage("starting the services of '\(record.name)'")
        let result = try await compose(record, arguments, variables: request.variables)
        guard result.succeeded else { throw CiloError(.failed, "compose up failed for '\(record.name)': \(result.tail(4))") }
        let active = model.services.filter { $0.isActive(profiles: request.profiles) }
        stage("waiting until the services of '\(record.name)' are ready")
        let containers = try await waitUntilReady(record, services: active, timeout: request.timeoutSeconds)
        // Ctrl-C after compose finished (services ready at once): stopped all the same.
        if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
        record.services = model.services.map { service in
            let container = containers.first { $0.service == service.name }
            return ServiceRecord(
                name: service.name, ip: container?.addresses[record.dockerName], ports: service.ports,
                status: container.map(Self.statusText) ?? (service.isActive(profiles: request.profiles) ? "missing" : "inactive"),
                completes: !service.restartsAfterSuccess)
        } + shared.services
        record.ingressService = model.ingress
        record.labelHostnames = model.hostnames
        record.warnings = model.warnings + shared.warnings
        let superseded = (record.images ?? []).filter { !model.images.contains($0) }
        record.images = model.images
        return superseded
    }

    /// Stops and removes the environment's containers (volumes kept): `compose down`, unless
    /// another cilo home runs a compose project of that name, then whatever compose did not
    /// know about (renamed services).
    /// `killing`: no grace period (a restore replaces what they would have saved).
    func stop(_ record: EnvironmentRecord, killing: Bool = false) async throws(CiloError) {
        let owner = try await engine.networkHome(record.dockerName)
        if FileManager.default.fileExists(atPath: record.composeFile) && owner.map({ engine.isOwn(homeLabel: $0) }) ?? true {
            let result = try await compose(record, ["down", "--remove-orphans"] + (killing ? ["-t", "0"] : []))
            guard result.succeeded else { throw CiloError(.failed, "compose down failed for '\(record.name)': \(result.tail(3))") }
        }
        try await engine.removeContainers(project: record.project, env: record.name)
    }

    /// Whether every active service of the environment runs (or, a one-shot job, is done), asked of Docker.
    func isRunning(_ record: EnvironmentRecord) async throws(CiloError) -> Bool {
        guard record.status == .running || record.status == .partial || record.status == .stopped else { return false }
        return record.reconciled(with: try await engine.managedContainers(project: record.project, env: record.name)).status == .running
    }

    /// `running`, `running (healthy)`, `exited (0)`.
    static func statusText(_ container: ContainerInspection) -> String {
        if container.state.status == "exited" { return "exited (\(container.state.exitCode))" }
        return container.state.health.map { "\(container.state.status) (\($0))" } ?? container.state.status
    }
}
