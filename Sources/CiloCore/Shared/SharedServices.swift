import CiloSystem
import Foundation
import SystemPackage

/// The parts of shared services that need no project config: leaving them when an
/// environment goes down, stopping those nobody used for their grace time, and reading them
/// back for `list`, `status` and `doctor`.
///
/// Nothing runs in the background: a shared service nobody uses stops when its grace time has
/// passed and any cilo of the home runs (`stopIdle`, called by up, run, down, destroy, list,
/// status and doctor), or at once with `shared_grace: 0`.
public struct SharedServices: Sendable {
    public let home: CiloHome
    /// The container engine the services run on.
    public let engine: any ContainerEngine

    public init(home: CiloHome, engine: any ContainerEngine) {
        self.home = home
        self.engine = engine
    }

    /// Runs `body` holding the project's shared lock (taken on a thread of its own).
    func withLock<Result: Sendable>(
        project: String, _ body: () async throws(CiloError) -> Result
    ) async throws(CiloError) -> Result {
        let path = SharedServiceState.lockFile(project: project, home: home)
        let lock = try await WorkerThreads.offload { () throws(CiloError) -> FileLock in try home.lock(path) }
        defer { lock.unlock() }
        return try await body()
    }

    /// `record`'s environment leaves every shared service it joined: detached from its
    /// networks, struck from the users; a service nobody else uses stops after the project's
    /// grace time (`grace`, the project's `shared_grace:`, else the one written when it was
    /// joined; at once with 0). Nothing to do, and no Docker call, for a project that never shared one.
    func leave(_ record: EnvironmentRecord, grace: Double? = nil) async throws(CiloError) {
        guard try SharedServiceState.exists(project: record.project, home: home) else { return }
        let docker = engine
        try await withLock(project: record.project) { () throws(CiloError) in
            var state = try SharedServiceState.load(project: record.project, home: home)
            if let grace { state.graceSeconds = grace }
            let now = Date().timeIntervalSince1970
            for (name, service) in state.services where service.users.contains(record.name) {
                state.services[name]?.users.removeAll { $0 == record.name }
                if try state.liveUsers(of: name, project: record.project, home: home).isEmpty {
                    state.services[name]?.stopAt = now + state.graceSeconds
                }
            }
            // Detached by what Docker says it is connected to, not by the list: a cilo killed
            // half-way may have attached it without writing so.
            let containers = try await docker.sharedContainers(project: record.project)
            for container in containers {
                for network in container.networks where network == record.dockerName || network.hasPrefix(record.dockerName + "_") {
                    try await docker.disconnect(container.id, from: network)
                }
            }
            try state.save(project: record.project, home: home)
            if state.graceSeconds == 0 { try await stopExpired(project: record.project, state: &state, containers: containers) }
        }
    }

    /// Stops the shared services of every project of the home whose grace time has passed with
    /// nobody using them (a user whose environment no longer runs does not count). A project
    /// another cilo is changing now is left for the next call. - Returns: what could not be done, as warnings.
    @discardableResult
    public func stopIdle() async -> [String] {
        var warnings: [String] = []
        let now = Date().timeIntervalSince1970
        let names: [String]
        do throws(CiloError) { names = try projects() } catch { return ["shared services: \(error.description)"] }
        for project in names {
            do throws(CiloError) {
                let state = try SharedServiceState.load(project: project, home: home)
                var due = false
                for name in state.services.keys where try isDue(name, state, project: project, now: now) { due = true }
                guard due else { continue }
                guard let lock = try home.tryLock(SharedServiceState.lockFile(project: project, home: home)) else { continue }
                defer { lock.unlock() }
                var current = try SharedServiceState.load(project: project, home: home)
                let containers = try await engine.sharedContainers(project: project)
                try await stopExpired(project: project, state: &current, containers: containers)
            } catch {
                warnings.append("shared services of project \(project): \(error.description)")
            }
        }
        return warnings
    }

    /// Whether `name` should stop now: its grace time passed, or its listed users are all gone
    /// (then its grace time starts now and is written by `stopExpired`).
    private func isDue(_ name: String, _ state: SharedServiceState, project: String, now: Double) throws(CiloError) -> Bool {
        guard let service = state.services[name] else { return false }
        if let stopAt = service.stopAt, stopAt > now { return false }
        guard service.stopAt != nil || !service.users.isEmpty else { return false }
        return try state.liveUsers(of: name, project: project, home: home).isEmpty
    }

    /// Under the project's shared lock: stops every service whose time is up and nobody uses,
    /// starts the grace time of those whose users are all gone, and saves the state.
    private func stopExpired(
        project: String, state: inout SharedServiceState, containers: [ContainerInspection]
    ) async throws(CiloError) {
        let now = Date().timeIntervalSince1970
        var due: [String] = []
        for (name, service) in state.services {
            let live = try state.liveUsers(of: name, project: project, home: home)
            guard live.isEmpty else { continue }
            if let stopAt = service.stopAt, stopAt <= now {
                due.append(name)
            } else if service.stopAt == nil && !service.users.isEmpty {
                state.services[name]?.users = []
                state.services[name]?.stopAt = now + state.graceSeconds
                if state.graceSeconds == 0 { due.append(name) }
            }
        }
        let running = containers.filter { due.contains($0.service) && $0.state.status != "exited" && $0.state.status != "created" }
        try await engine.stop(running.map(\.id))
        for name in due {
            state.services[name]?.users = []
            state.services[name]?.stopAt = nil
        }
        try state.save(project: project, home: home)
    }

    /// The projects of the home with a shared-services folder.
    func projects() throws(CiloError) -> [String] {
        try home.entryNames(in: home.path("shared")).filter(NameRules.isValid)
    }
}
