import CiloSystem
import Foundation
import SystemPackage

/// The lifecycle of a project's environments: one core call per user action.
///
/// `prepare` is create, up and the making of a `cilo run` environment in one transaction
/// under the environment's lock; `down` and `destroy` are the others. Two changes of one
/// environment serialise while different environments proceed in parallel; subnets are
/// chosen under one short allocation lock. A failed create is rolled back; a failed up is
/// stopped and marked `failed`; an interrupted destroy is recorded and finished later.
/// `docs/ARCHITECTURE.md` follows one `cilo run` through these calls.
public struct EnvironmentManager: Sendable {
    public let project: Project
    public let home: CiloHome
    public let store: StateStore
    /// Docker, seen as this home's objects only.
    public let docker: DockerClient
    /// `$CILO_COMPOSE`, when set.
    public var composeOverride: String?
    /// Raised by Ctrl-C: a create in progress stops and is rolled back; an up stops starting.
    public let cancellation = CancellationFlag()
    /// Where warnings go (names not published, ...): standard error by default.
    public var warn: @Sendable (String) -> Void = { HostFacts.writeToStandardError("cilo: warning: \($0)\n") }
    /// Where progress notices go (waiting for a turn, ...): standard error by default.
    public var notice: @Sendable (String) -> Void = { HostFacts.writeToStandardError("cilo: \($0)\n") }
    /// Where the reasons behind choices go (`--verbose`: why a workspace is a clone): nowhere by default.
    public var explain: @Sendable (String) -> Void = { _ in }

    public init(project: Project, home: CiloHome = .fromEnvironment()) {
        self.project = project
        self.home = home
        self.store = StateStore(home: home)
        self.docker = DockerClient(home: home.root.display)
        self.composeOverride = HostFacts.environment("CILO_COMPOSE")
    }

    /// A manager of another project of the same home (the project known by name and source
    /// folder only, as its records say): for changes across projects (`cilo prune --all-projects`).
    func forProject(_ name: String, root: String) -> EnvironmentManager {
        guard name != project.name else { return self }
        var other = EnvironmentManager(project: Project(name: name, root: root, composeFiles: []), home: home)
        other.composeOverride = composeOverride
        other.warn = warn
        other.notice = notice
        other.explain = explain
        return other
    }

    /// Runs `body` holding the environment's lock (taken on a thread of its own: waiting
    /// for another cilo never blocks the cooperative pool).
    func withLock<Result: Sendable>(
        _ env: String, _ body: (FileLock) async throws(CiloError) -> Result
    ) async throws(CiloError) -> Result {
        let path = home.lockFile(project: project.name, env: env)
        let home = self.home
        let lock = try await WorkerThreads.offload { () throws(CiloError) -> FileLock in try home.lock(path) }
        defer { lock.unlock() }
        return try await body(lock)
    }

    /// The record of `env`, or an error naming the environment and project.
    public func record(_ env: String) throws(CiloError) -> EnvironmentRecord {
        guard let record = try store.load(project: project.name, env: env) else {
            throw CiloError(.notFound, "no environment '\(env)' in project '\(project.name)' (cilo list shows them)")
        }
        return record
    }

    /// The record of `env` as `list` and `status` show it: a state file that cannot be read
    /// is an environment with status `damaged`, not an error.
    public func recordOrDamaged(_ env: String) throws(CiloError) -> EnvironmentRecord {
        do throws(CiloError) {
            return try record(env)
        } catch where error.code == .damaged || (error.code == .notFound && store.isDamaged(project: project.name, env: env)) {
            return EnvironmentRecord.damaged(
                project: project.name, env: env, workspace: home.workspace(project: project.name, env: env).display,
                reason: error.description)
        }
    }

    /// The variables compose interpolates with beyond the shell's own (inherited, and
    /// winning over env files as with plain compose): the project's `env_files`, then
    /// `extra` (`cilo run -e`), then cilo's `CILO_*`.
    func composeEnvironment(_ record: EnvironmentRecord, extra: [String: String] = [:]) throws(CiloError) -> [String: String] {
        let files = try EnvFile.variables(project.config.envFiles, workspace: record.workspace, shell: ProcessInfo.processInfo.environment)
        return files.merging(extra) { $1 }.merging(record.composeVariables) { $1 }
    }

    /// Runs compose for the environment with its generated file, in its workspace.
    public func compose(_ record: EnvironmentRecord, _ arguments: [String], variables: [String: String] = [:]) async throws(CiloError) -> ToolResult {
        let tool = try await ComposeTool.detect(override: composeOverride)
        return try await ToolRunner.run(
            tool.executable, tool.arguments(projectName: record.dockerName, files: [record.composeFile], arguments),
            workingDirectory: record.workspace, environment: try composeEnvironment(record, extra: variables))
    }

    /// The project's `env:` rules for one environment's workspace.
    func workspacePreparation(_ record: EnvironmentRecord) -> WorkspacePreparation {
        let suffix = dnsSettings?.suffix ?? project.config.dnsSuffix ?? ".test"
        var tokens = record.composeVariables
        tokens["CILO_DNS_SUFFIX"] = suffix
        tokens["CILO_BASE_URL"] = "http://\(record.project).\(record.name)\(suffix)"
        return WorkspacePreparation(rules: project.config.env, workspace: record.workspace, tokens: tokens)
    }

    /// Runs the init hook and the render rules in the workspace (before a start renders compose).
    func prepareWorkspaceForStart(_ record: EnvironmentRecord) async throws(CiloError) {
        let preparation = workspacePreparation(record)
        try await preparation.runInitHook()
        for note in try preparation.renderFiles() { notice(note) }
    }

    /// The command line that runs compose for the environment (for `cilo compose`, `logs`, `exec`).
    /// Refused when another cilo home runs a project of that name (its containers are not this
    /// environment's).
    public func composeCommandLine(_ record: EnvironmentRecord, _ arguments: [String]) async throws(CiloError) -> [String] {
        if let owner = try await docker.networkHome(record.dockerName), !docker.isOwn(homeLabel: owner) {
            throw CiloError(.anotherHome, "'\(record.name)' of project '\(record.project)' runs from another cilo home (\(owner)), not this one: "
                + "its containers are that home's")
        }
        let tool = try await ComposeTool.detect(override: composeOverride)
        return [tool.executable] + tool.arguments(projectName: record.dockerName, files: [record.composeFile], arguments)
    }

    /// The DNS settings from `cilo init`, nil when DNS is off or init never ran.
    public var dnsSettings: DNSSettings? {
        do throws(CiloError) {
            guard let settings = try CiloSettings.load(from: home), settings.dns.enabled else { return nil }
            return settings.dns
        } catch {
            // Damaged settings: names are off until cilo init writes them again, and that is said.
            warn("\(error.description); names are not served")
            return nil
        }
    }

    /// Stops the home's shared services nobody used for their grace time; what cannot be done is a warning.
    func stopIdleShared() async {
        for warning in await SharedServices.stopIdle(home: home) { warn(warning) }
    }

    /// Publishes every environment's names (starting the server if asked and needed).
    /// - Returns: a warning when the names are not served (never a failed up or down).
    @discardableResult
    func publishNames(startServer: Bool) async -> String? {
        guard let settings = dnsSettings else { return nil }
        let server = DNSServer(home: home, settings: settings)
        do throws(CiloError) {
            if startServer { try await server.start() }
            try await DNSRegistry(server: server, store: store).sync()
            return nil
        } catch {
            let warning = "names are not served: \(error.description)"
            warn(warning)
            return warning
        }
    }
}
