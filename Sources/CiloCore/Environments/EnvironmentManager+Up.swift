import CiloSystem
import Dispatch
import Foundation

/// Starting and stopping environments.
extension EnvironmentManager {
    /// Options of `cilo up`.
    public struct UpOptions: Sendable {
        public var build = false
        public var recreate = false
        public var timeoutSeconds = 120.0
        public var source: String?

        public init(build: Bool = false, recreate: Bool = false, timeoutSeconds: Double = 120, source: String? = nil) {
            self.build = build
            self.recreate = recreate
            self.timeoutSeconds = timeoutSeconds
            self.source = source
        }
    }

    /// Creates `env` if missing, starts its services on its own network and waits until every
    /// service runs (and is healthy where it has a health check).
    public func up(_ env: String, options: UpOptions = UpOptions()) async throws(CiloError) -> EnvironmentRecord {
        try await docker.requireEngine()
        let record = try await withLock(env) { () throws(CiloError) in
            var (record, _) = try await createLocked(env, from: options.source, strategy: .auto, mustBeNew: false)
            do throws(CiloError) {
                let rendered = try await render(record)
                try await ensureNetwork(&record)
                var arguments = ["up", "-d", "--remove-orphans"]
                if options.build { arguments.append("--build") }
                if options.recreate { arguments.append("--force-recreate") }
                if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
                let result = try await compose(record, arguments)
                guard result.succeeded else { throw CiloError(.failed, "compose up failed for '\(env)': \(result.tail(4))") }
                let services = rendered.services.map(\.name)
                let containers = try await waitUntilRunning(record, services: services, timeout: options.timeoutSeconds)
                let addresses = try await docker.serviceAddresses(containerIDs: containers.map(\.id), network: record.dockerName)
                record.services = rendered.services.map { service in
                    ServiceRecord(name: service.name, ip: addresses[service.name], ports: service.ports,
                                  status: containers.first { $0.service == service.name }?.state ?? "missing")
                }
                record.ingressService = rendered.ingress
                record.labelHostnames = rendered.hostnames
                record.status = .running
                record.lastError = nil
                try store.save(record)
                return record
            } catch {
                // Nothing half-running: stop what started, keep the workspace, say what failed.
                _ = try? await compose(record, ["down", "--remove-orphans"])
                if cancellation.isCancelled {
                    record.status = .stopped
                    try? store.save(record)
                    throw CiloError(.cancelled, "up of '\(env)' cancelled; its services were stopped (cilo up \(env) starts them)")
                }
                record.status = .failed
                record.lastError = error.description
                try? store.save(record)
                throw error
            }
        }
        await publishNames(startServer: true)
        return record
    }

    /// Creates the environment's network unless it exists. When Docker says the subnet
    /// overlaps a network made since it was reserved (another cilo home, another tool), a
    /// new one is reserved and tried, a few times.
    func ensureNetwork(_ record: inout EnvironmentRecord) async throws(CiloError) {
        if try await docker.networkExists(record.dockerName) { return }
        let labels = ComposeIsolation(project: record.project, env: record.name, home: home.root.display).labels
        for attempt in 1...5 {
            guard let subnet = Subnet(record.subnet) else { throw CiloError(.failed, "the environment's subnet is damaged: \(record.subnet)") }
            do throws(CiloError) {
                try await docker.createNetwork(record.dockerName, subnet: subnet, labels: labels)
                return
            } catch {
                guard error.message.contains("overlaps"), attempt < 5 else { throw error }
                record.subnet = try await reserveSubnet(for: record)
            }
        }
    }

    /// Stops and removes `env`'s containers; keeps workspace, volumes and record.
    public func down(_ env: String) async throws(CiloError) {
        try await docker.requireEngine()
        try await withLock(env) { () throws(CiloError) in
            var record = try record(env)
            if FileManager.default.fileExists(atPath: record.composeFile) {
                let result = try await compose(record, ["down", "--remove-orphans"])
                guard result.succeeded else { throw CiloError(.failed, "compose down failed for '\(env)': \(result.tail(3))") }
            }
            // Anything compose did not know about (renamed services) goes too, volumes excepted.
            for container in try await docker.managedContainers(project: record.project, env: env) {
                _ = try? await ToolRunner.run("docker", ["rm", "-f", container.id])
            }
            record.status = .stopped
            record.services = record.services.map { ServiceRecord(name: $0.name, ip: nil, ports: $0.ports, status: "stopped") }
            try store.save(record)
        }
        await publishNames(startServer: false)
    }

    /// Runs compose for the environment with its generated file, in its workspace.
    public func compose(_ record: EnvironmentRecord, _ arguments: [String]) async throws(CiloError) -> ToolResult {
        let tool = try await ComposeTool.detect(override: composeOverride)
        return try await ToolRunner.run(
            tool.executable, tool.arguments(projectName: record.dockerName, files: [record.composeFile], arguments),
            workingDirectory: record.workspace, environment: composeEnvironment(record))
    }

    /// The command line that runs compose for the environment (for `cilo compose`, `logs`, `exec`).
    public func composeCommandLine(_ record: EnvironmentRecord, _ arguments: [String]) async throws(CiloError) -> [String] {
        let tool = try await ComposeTool.detect(override: composeOverride)
        return [tool.executable] + tool.arguments(projectName: record.dockerName, files: [record.composeFile], arguments)
    }

    /// Polls Docker until every service has a running (and, with a health check, healthy)
    /// container; fails with the last log lines of a service that exited or never got there.
    func waitUntilRunning(_ record: EnvironmentRecord, services: [String], timeout: Double) async throws(CiloError) -> [DockerClient.Container] {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while true {
            let containers = try await docker.managedContainers(project: record.project, env: record.name)
            var waiting: [String] = []
            for service in services {
                guard let container = containers.first(where: { $0.service == service }) else {
                    waiting.append(service)
                    continue
                }
                if container.state == "exited" || container.state == "dead" || container.health == "unhealthy" {
                    let logs = await docker.logs(containerID: container.id)
                    throw CiloError(.failed, "service \(service) of '\(record.name)' is \(container.health ?? container.state); its last log lines:\n\(logs)")
                }
                if container.state != "running" || (container.health != nil && container.health != "healthy") {
                    waiting.append(service)
                }
            }
            if waiting.isEmpty { return containers }
            if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
            if DispatchTime.now().uptimeNanoseconds > deadline {
                throw CiloError(.failed, "timed out after \(Int(timeout)) s waiting for \(waiting.joined(separator: ", ")) of '\(record.name)'")
            }
            try? await Task.sleep(nanoseconds: 300_000_000)
        }
    }
}
