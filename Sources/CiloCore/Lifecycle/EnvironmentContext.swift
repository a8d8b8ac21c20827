import CiloSystem
import Foundation

/// What the capabilities of one project's environments share during one user action: the
/// project, cilo's home and its records, the container engine, the Ctrl-C flag and where
/// messages go. Made once per action by `EnvironmentManager` and handed to each capability
/// (workspaces, the Compose stack, admission, names, changes, sharing, the sandbox), which
/// keeps its own state under the home and nothing in memory between actions.
public struct EnvironmentContext: Sendable {
    public let project: Project
    public let home: CiloHome
    public let store: StateStore
    /// The container engine, seen as this home's objects only.
    public let engine: any ContainerEngine
    /// Raised by Ctrl-C: a create in progress stops and is rolled back; an up stops starting.
    public let cancellation: CancellationFlag
    /// Where warnings go (names not published, ...): standard error by default.
    public var warn: @Sendable (String) -> Void = { HostFacts.writeToStandardError("cilo: warning: \($0)\n") }
    /// Where progress notices go (waiting for a turn, ...): standard error by default.
    public var notice: @Sendable (String) -> Void = { HostFacts.writeToStandardError("cilo: \($0)\n") }
    /// Where the reasons behind choices go (`--verbose`: why a workspace is a clone): nowhere by default.
    public var explain: @Sendable (String) -> Void = { _ in }
    /// Where the steps of long work are named as they begin (cloning, starting services, waiting
    /// for them): nowhere by default; `CILO_PROGRESS=lines` prints them (`cilo mcp` reads them).
    public var stage: @Sendable (String) -> Void = { _ in }
    /// What one action reads once and passes along: cilo's settings (DNS).
    let readOnce = ReadOnce()

    public init(project: Project, home: CiloHome, engine: any ContainerEngine, cancellation: CancellationFlag = CancellationFlag()) {
        self.project = project
        self.home = home
        self.store = StateStore(home: home)
        self.engine = engine
        self.cancellation = cancellation
    }

    /// The same action seen from another project of the home (known by name and source folder
    /// only, as its records say): for changes across projects (`cilo prune --all-projects`).
    func forProject(_ name: String, root: String) -> EnvironmentContext {
        guard name != project.name else { return self }
        var other = EnvironmentContext(
            project: Project(name: name, root: root, composeFiles: []), home: home, engine: engine, cancellation: cancellation)
        other.warn = warn
        other.notice = notice
        other.explain = explain
        other.stage = stage
        return other
    }
}

/// A part of the lifecycle that works in one `EnvironmentContext`: the context's parts read
/// as its own, and the environment lock and record are reached the same way from each.
protocol EnvironmentCapability: Sendable {
    var context: EnvironmentContext { get }
}

extension EnvironmentCapability {
    var project: Project { context.project }
    var home: CiloHome { context.home }
    var store: StateStore { context.store }
    var engine: any ContainerEngine { context.engine }
    var cancellation: CancellationFlag { context.cancellation }
    func warn(_ text: String) { context.warn(text) }
    func notice(_ text: String) { context.notice(text) }
    func explain(_ text: String) { context.explain(text) }
    func stage(_ text: String) { context.stage(text) }

    /// Runs `body` holding `env`'s lock (taken on a thread of its own: waiting for another
    /// cilo never blocks the cooperative pool).
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
    func record(_ env: String) throws(CiloError) -> EnvironmentRecord {
        try store.required(project: project.name, env: env)
    }

    /// Stops the home's shared services nobody used for their grace time; what cannot be done is a warning.
    func stopIdleShared() async {
        for warning in await SharedServices(home: home, engine: engine).stopIdle() { warn(warning) }
    }
}
