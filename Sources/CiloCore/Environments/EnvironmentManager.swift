import CiloSystem
import Foundation
import SystemPackage

/// The lifecycle of a project's environments: create, up, down, destroy, list, status.
///
/// Every change to one environment happens under that environment's lock, so two
/// `cilo up` of the same environment serialise while different environments proceed in
/// parallel; subnets are chosen under one short allocation lock. A failed create is
/// rolled back; a failed up is stopped and marked `failed`, so `destroy` removes it.
public struct EnvironmentManager: Sendable {
    public let project: Project
    public let home: CiloHome
    public let store: StateStore
    public let docker = DockerClient()
    /// `$CILO_COMPOSE`, when set.
    public var composeOverride: String?
    /// Raised by Ctrl-C: a create in progress stops and is rolled back; an up stops starting.
    public let cancellation = CancellationFlag()
    /// Where warnings go (names not published, ...): standard error by default.
    public var warn: @Sendable (String) -> Void = { HostFacts.writeToStandardError("cilo: warning: \($0)\n") }
    /// Where progress notices go (waiting for a turn, ...): standard error by default.
    public var notice: @Sendable (String) -> Void = { HostFacts.writeToStandardError("cilo: \($0)\n") }

    public init(project: Project, home: CiloHome = .fromEnvironment()) {
        self.project = project
        self.home = home
        self.store = StateStore(home: home)
        self.composeOverride = HostFacts.environment("CILO_COMPOSE")
    }

    /// Runs `body` holding the environment's lock (taken on a thread of its own: waiting
    /// for another cilo never blocks the cooperative pool).
    func withLock<Result: Sendable>(
        _ env: String, _ body: () async throws(CiloError) -> Result
    ) async throws(CiloError) -> Result {
        let path = home.lockFile(project: project.name, env: env)
        let home = self.home
        let lock = try await WorkerThreads.offload { () throws(CiloError) -> FileLock in try home.lock(path) }
        defer { lock.unlock() }
        return try await body()
    }

    /// The record of `env`, or an error naming the environment and project.
    public func record(_ env: String) throws(CiloError) -> EnvironmentRecord {
        guard let record = try store.load(project: project.name, env: env) else {
            throw CiloError(.notFound, "no environment '\(env)' in project '\(project.name)' (cilo list shows them)")
        }
        return record
    }

    /// Creates `env` (clone, subnet, compose file) if it does not exist; starts nothing.
    /// - Returns: the record, and the clone report when it was created now.
    public func create(
        _ env: String, from source: String? = nil, strategy: CloneStrategy = .auto, mustBeNew: Bool = true
    ) async throws(CiloError) -> (EnvironmentRecord, CloneReport?) {
        try await withLock(env) { () throws(CiloError) in
            try await createLocked(env, from: source, strategy: strategy, mustBeNew: mustBeNew)
        }
    }

    func createLocked(
        _ env: String, from source: String?, strategy: CloneStrategy, mustBeNew: Bool
    ) async throws(CiloError) -> (EnvironmentRecord, CloneReport?) {
        if let existing = try store.load(project: project.name, env: env) {
            if existing.status == .creating {
                // A create that died half-way (the process was killed): finish removing it first.
                try await removeEverything(existing, keepWorkspace: false)
            } else if mustBeNew {
                throw CiloError(.alreadyExists, "environment '\(env)' already exists in project '\(project.name)' (cilo up \(env) starts it)")
            } else {
                return (existing, nil)
            }
        }
        let sourceDirectory = URL(fileURLWithPath: source ?? project.root).standardizedFileURL.path
        let composeSources = try ComposeRenderer.composeFiles(in: sourceDirectory, configured: project.composeFiles)
        let workspace = home.workspace(project: project.name, env: env)
        var record = EnvironmentRecord(
            project: project.name, name: env, subnet: "", workspace: workspace.display, source: sourceDirectory,
            composeFile: home.generatedDirectory(project: project.name, env: env).appending(FileName("compose.yml")).display,
            composeSources: composeSources, createdAt: ISO8601DateFormatter().string(from: Date()), status: .creating,
            services: [], cloneStrategy: "", lastError: nil)
        record.subnet = try await reserveSubnet(for: record)
        do throws(CiloError) {
            let parent = try home.makeDirectory(home.projectWorkspaces(project: project.name))
            parent.closeIgnoringErrors()
            var options = CloneOptions(
                strategy: strategy, excludePatterns: project.excludes, cancellation: cancellation,
                turnLock: home.path("locks", "clone-turn.lock"))
            let notice = notice
            options.onWaitingForTurn = { notice("\(env): waiting while another environment's workspace is cloned (clones take turns)") }
            if let homeStatus = try? PathOpening.status(home.root.bytes) {
                options.skippedDirectories = [InodeKey(device: homeStatus.device, inode: homeStatus.inode)]
            }
            let report = try await CloneEngine(options: options).clone(source: BytePath(sourceDirectory), destination: workspace)
            record.cloneStrategy = report.strategy
            let rendered = try await render(record)
            if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
            record.services = rendered.services.map { ServiceRecord(name: $0.name, ip: nil, ports: $0.ports, status: "created") }
            record.ingressService = rendered.ingress
            record.status = .created
            try store.save(record)
            return (record, report)
        } catch {
            try? await removeEverything(record, keepWorkspace: false)
            if cancellation.isCancelled { throw CiloError(.cancelled, "create of '\(env)' cancelled; nothing of it was left") }
            throw error
        }
    }

    /// Chooses a free /24 and writes the record holding it, under the allocation lock.
    func reserveSubnet(for record: EnvironmentRecord) async throws(CiloError) -> String {
        let pool = try SubnetAllocator.pool(from: HostFacts.environment("CILO_SUBNET_POOL") ?? project.subnetPool)
        let dockerSubnets = (try? await docker.networkSubnets()) ?? []
        let home = self.home
        let store = self.store
        return try await WorkerThreads.offload { () throws(CiloError) -> String in
            let lock = try home.lock(home.allocationLock)
            defer { lock.unlock() }
            let recorded = try store.all().filter { $0.project != record.project || $0.name != record.name }.compactMap { Subnet($0.subnet) }
            let subnet = try SubnetAllocator(pool: pool).allocate(avoiding: recorded + dockerSubnets + SubnetAllocator.hostRoutes())
            var reserved = record
            reserved.subnet = subnet.description
            try store.save(reserved)
            return subnet.description
        }
    }

    /// The variables compose files may use (`${CILO_ENV}`) and `cilo run` passes on.
    func composeEnvironment(_ record: EnvironmentRecord) -> [String: String] {
        ["CILO_ENV": record.name, "CILO_PROJECT": record.project, "CILO_WORKSPACE": record.workspace, "CILO_SUBNET": record.subnet]
    }

    /// Renders the environment's compose file from its workspace.
    func render(_ record: EnvironmentRecord) async throws(CiloError) -> ComposeIsolation.Result {
        let tool = try await ComposeTool.detect(override: composeOverride)
        let renderer = ComposeRenderer(tool: tool, isolation: ComposeIsolation(project: record.project, env: record.name, home: home.root.display))
        return try await renderer.render(
            workspace: record.workspace, files: record.composeSources, output: BytePath(record.composeFile),
            environment: composeEnvironment(record))
    }

    /// Removes the environment's Docker objects, generated files, workspace and record.
    func removeEverything(_ record: EnvironmentRecord, keepWorkspace: Bool) async throws(CiloError) {
        try await Self.removeEverything(record, keepWorkspace: keepWorkspace, home: home)
    }

    /// Removes the environment's Docker objects, generated files, workspace and record
    /// (the caller holds its lock).
    static func removeEverything(_ record: EnvironmentRecord, keepWorkspace: Bool, home: CiloHome) async throws(CiloError) {
        let docker = DockerClient()
        if (try? await docker.requireEngine()) != nil {
            try await docker.removeLabelled(project: record.project, env: record.name)
        }
        try? home.removeFolder(record.name, in: home.path("generated", record.project))
        if !keepWorkspace {
            do throws(Errno) { try home.removeFolder(record.name, in: home.projectWorkspaces(project: record.project)) } catch {
                throw .system(error, "cannot delete the workspace", path: record.workspace)
            }
        }
        WorkspaceDiskCache(home: home).remove(project: record.project, env: record.name)
        try StateStore(home: home).remove(project: record.project, env: record.name)
    }

    /// Stops and deletes `env`: containers, volumes, network, generated files, workspace (unless kept), record.
    public func destroy(_ env: String, keepWorkspace: Bool = false) async throws(CiloError) {
        try await withLock(env) { () throws(CiloError) in
            let record = try record(env)
            if (try? await docker.requireEngine()) == nil {
                throw CiloError(.failed, "Docker is not reachable: start it to destroy '\(env)' cleanly (its containers may still run)")
            }
            try await removeEverything(record, keepWorkspace: keepWorkspace)
        }
        await publishNames(startServer: false)
    }

    /// The DNS settings from `cilo init`, nil when DNS is off or init never ran.
    public var dnsSettings: DNSSettings? {
        guard let settings = try? CiloSettings.load(from: home), settings.dns.enabled else { return nil }
        return settings.dns
    }

    /// Publishes every environment's names (starting the server if asked and needed);
    /// a failure is a warning, never a failed up or down.
    func publishNames(startServer: Bool) async {
        guard let settings = dnsSettings else { return }
        let server = DNSServer(home: home, settings: settings)
        do throws(CiloError) {
            if startServer { try await server.start() }
            try await DNSRegistry(server: server, store: store).sync()
        } catch {
            warn("names not published: \(error.description)")
        }
    }
}
