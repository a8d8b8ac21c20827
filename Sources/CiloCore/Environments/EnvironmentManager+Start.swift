import CiloSystem
import Dispatch

/// Starting an environment: network, compose up, waiting, addresses.
extension EnvironmentManager {
    /// Starts the environment's services on its own network and waits until each runs (and
    /// is healthy where it has a health check) or, a one-shot job, has exited 0. The
    /// caller holds the lock. On failure nothing is left running and the record says `failed`.
    func startLocked(_ record: inout EnvironmentRecord, rendered: ComposeIsolation.Result?, request: EnvironmentRequest) async throws(CiloError) {
        do throws(CiloError) {
            var model: ComposeIsolation.Result
            if let rendered {
                model = rendered
            } else {
                try await prepareWorkspaceForStart(record)
                model = try await render(record, request: request)
            }
            let reservedSubnet = record.subnet
            try await ensureNetwork(&record)
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
                try await docker.ensureLabelledNetwork(network, labels: labels + composeLabels)
            }
            let shared = model.shared.isEmpty ? (services: [], warnings: []) : try await joinShared(record, model.shared, request: request)
            var arguments = request.profiles.flatMap { ["--profile", $0] } + ["up", "-d", "--remove-orphans"]
            if request.build { arguments.append("--build") }
            if request.recreate { arguments.append("--force-recreate") }
            if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
            let result = try await compose(record, arguments, variables: request.variables)
            guard result.succeeded else { throw CiloError(.failed, "compose up failed for '\(record.name)': \(result.tail(4))") }
            let active = model.services.filter { $0.isActive(profiles: request.profiles) }
            let containers = try await waitUntilReady(record, services: active, timeout: request.timeoutSeconds)
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
            record.status = .running
            record.lastError = nil
            try store.save(record)
            // An image this environment built before its context changed, if nothing else uses it;
            // one that cannot go is said, and the environment still runs.
            do throws(CiloError) { try await Self.removeImages(superseded, of: record, home: home) } catch {
                warn("an image \(record.name) no longer uses was kept: \(error.description)")
            }
        } catch where error.code == .refused {
            // Judged before anything started: the environment stays as it was.
            throw error
        } catch {
            // Nothing half-running: stop what started, keep the workspace, say what failed. Never
            // compose down a project another cilo home runs under the same name.
            let othersProject = error.code == .anotherHome
            let stopped = othersProject ? nil : try? await compose(record, ["down", "--remove-orphans"])
            record.status = cancellation.isCancelled ? .stopped : .failed
            record.lastError = error.description
            var failure = error
            if stopped?.succeeded != true && !othersProject { failure.note = "stopping its services failed too: cilo down \(record.name) retries" }
            // Nothing left half-attached: the shared services it joined (or began to) are left.
            if !othersProject {
                do throws(CiloError) { try await SharedServices.leave(record, home: home, grace: project.config.sharedGraceSeconds) } catch let leaving {
                    failure.note = (failure.note.map { $0 + "; " } ?? "") + "leaving its shared services failed: \(leaving.description)"
                }
            }
            do throws(CiloError) { try store.save(record) } catch let saving {
                failure.note = (failure.note.map { $0 + "; " } ?? "") + "and recording it failed: \(saving.description)"
            }
            if cancellation.isCancelled {
                throw CiloError(.cancelled, "up of '\(record.name)' cancelled; its services were stopped (cilo up \(record.name) starts them)")
            }
            throw failure
        }
    }

    /// `running`, `running (healthy)`, `exited (0)`.
    static func statusText(_ container: ContainerInspection) -> String {
        if container.state.status == "exited" { return "exited (\(container.state.exitCode))" }
        return container.state.health.map { "\(container.state.status) (\($0))" } ?? container.state.status
    }

    /// Creates the environment's network unless it exists. When Docker refuses the subnet
    /// (a network made since it was reserved overlaps it: another cilo home, another tool),
    /// a new one is reserved and tried, five times in all.
    func ensureNetwork(_ record: inout EnvironmentRecord) async throws(CiloError) {
        if try await ownNetworkExists(record) { return }
        let labels = ComposeIsolation(project: record.project, env: record.name, home: home.root.display).labels
        for attempt in 1...5 {
            guard let subnet = Subnet(record.subnet) else { throw CiloError(.failed, "the environment's subnet is damaged: \(record.subnet)") }
            do throws(CiloError) {
                try await docker.createNetwork(record.dockerName, subnet: subnet, labels: labels)
                return
            } catch {
                // Another cilo of this home may have made it meanwhile (it holds no lock of ours).
                if try await ownNetworkExists(record) { return }
                guard attempt < 5 else { throw error }
                record.subnet = try await reserveSubnet(for: record, avoiding: subnet)
            }
        }
    }

    /// Whether the environment's network exists; one another cilo home made (same project and
    /// environment names, another `CILO_HOME`) is refused: starting on it would take over that
    /// home's containers.
    private func ownNetworkExists(_ record: EnvironmentRecord) async throws(CiloError) -> Bool {
        guard let owner = try await docker.networkHome(record.dockerName) else { return false }
        guard docker.isOwn(homeLabel: owner) else {
            throw CiloError(.anotherHome, "environment '\(record.name)' of project '\(record.project)' already runs from another cilo home (\(owner)): "
                + "its Docker network \(record.dockerName) is that home's; use another environment name or --project")
        }
        return true
    }

    /// Polls Docker until every active service is ready: running (healthy, with a health
    /// check), or exited 0 when it is not restarted after success (a one-shot job). A
    /// service that exited otherwise, died or turned unhealthy fails at once, naming its
    /// exit code and last log lines.
    func waitUntilReady(_ record: EnvironmentRecord, services: [RenderedService], timeout: Double) async throws(CiloError) -> [ContainerInspection] {
        let docker = self.docker
        return try await waitUntilReady(services, timeout: timeout, naming: { "\($0) of '\(record.name)'" }) { () throws(CiloError) in
            try await docker.inspectContainers(project: record.project, env: record.name)
        }
    }

    /// Polls `inspect` until every one of `services` is ready (see above); `naming` says whose
    /// services they are in errors ("db of 'agent-1'", "shared service db of project 'shop'").
    func waitUntilReady(
        _ services: [RenderedService], timeout: Double, naming: (String) -> String,
        inspect: () async throws(CiloError) -> [ContainerInspection]
    ) async throws(CiloError) -> [ContainerInspection] {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while true {
            let containers = try await inspect()
            var waiting: [String] = []
            for service in services {
                let own = containers.filter { $0.service == service.name }
                guard !own.isEmpty else {
                    waiting.append(service.name)
                    continue
                }
                for container in own {
                    switch ServiceReadiness.judge(container.state, service: service, memoryLimit: container.memoryLimit) {
                    case .ready: break
                    case .waiting: waiting.append(service.name)
                    case .failed(let why):
                        let logs = await docker.logs(containerID: container.id)
                        throw CiloError(.failed, "service \(naming(service.name)) \(why); its last log lines:\n\(logs)")
                    }
                }
            }
            if waiting.isEmpty { return containers }
            if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
            if DispatchTime.now().uptimeNanoseconds > deadline {
                throw CiloError(.failed, "timed out after \(Int(timeout)) s waiting for \(naming(Set(waiting).sorted().joined(separator: ", ")))")
            }
            try? await Task.sleep(nanoseconds: 250_000_000)
        }
    }
}
