import CiloSystem
import Foundation

/// Where a project's environments live: this machine or another engine (`cilo engines add`).
/// Placement is policy: `--engine NAME`, `engine:` in `.cilo/config.yml`, or `auto` (the
/// roomiest engine); an environment stays where it was made. Commands of an environment that
/// lives elsewhere are forwarded to that engine's cilo (by the command line, over ssh).
public struct EnvironmentPlacement: EnvironmentCapability {
    public let context: EnvironmentContext

    /// How `--engine auto` waits when no engine has room: not at all (`busy` at once), for a
    /// number of seconds, or until one has.
    public enum Waiting: Sendable, Equatable {
        case no
        case seconds(Double)
        case forever
    }

    /// What destroying an environment on its engine did.
    public enum RemoteDestroy: Sendable, Equatable {
        /// Destroyed there (or already gone there), and forgotten here.
        case destroyed(engine: String)
        /// The engine did not answer: forgotten here only (`force`), its objects may remain there.
        case forgotten(engine: String)
    }

    /// The engine `env` lives on; nil when it is this machine's.
    public func engine(of env: String) throws(CiloError) -> Engine? {
        let registry = EngineRegistry(home: home)
        guard let placement = try registry.placement(project: project.name, env: env) else { return nil }
        return try registry.engine(placement.engine)
    }

    /// For `create`, `up` and `run` of `env`: the engine asked for (`asked`, else `engine:` in the
    /// config, else this machine), made ready and synced, or the one it already lives on (ready).
    /// `from`: `--from`, which only this machine takes. Nil: this machine.
    public func target(_ env: String, asked: String?, from: String?, waiting: Waiting = .no) async throws(CiloError) -> Engine? {
        if try store.load(project: project.name, env: env) != nil {
            guard asked == nil || asked == Engine.local else {
                throw CiloError(.alreadyExists, "environment '\(env)' of project '\(project.name)' exists on this machine (engine local), not on \(asked ?? "")")
            }
            return nil
        }
        if let existing = try engine(of: env) {
            if let asked, asked != existing.name {
                throw CiloError(.alreadyExists, "environment '\(env)' lives on engine \(existing.name), not \(asked)")
            }
            // Its workspace is made already: only cilo's binary there is checked, the source is not walked again.
            try await RemoteEngine(engine: existing).prepare()
            return existing
        }
        var name = asked ?? project.config.engine ?? Engine.local
        if name == "auto" { name = try await roomiest(for: env, waiting: waiting) }
        guard name != Engine.local else { return nil }
        guard from == nil else {
            throw CiloError(.invalidArgument, "--from cannot be used with engine \(name): the project's own folder is what is synced there")
        }
        let placed = try await RemoteEnvironments(home: home).place(env, project: project, on: name)
        notice("\(placed.synced ? "synced" : "source unchanged on") engine \(name)")
        return placed.engine
    }

    /// `--engine auto`: the engine (this machine included) where the project's plan and the
    /// memory reserve still allow one more environment and the most memory is left; an engine
    /// that does not answer is skipped with a warning. None: `busy` (exit 75) at once, or, as
    /// `waiting` says, asked again every 2 s until one has room or the time is up.
    public func roomiest(for env: String, waiting: Waiting) async throws(CiloError) -> String {
        let start = Date()
        var said = false
        while true {
            do throws(CiloError) {
                return try await roomiestNow(for: env)
            } catch where error.code == .busy && waiting != .no {
                if case .seconds(let limit) = waiting, Date().timeIntervalSince(start) >= limit {
                    let seconds = limit == limit.rounded() ? String(Int(limit)) : String(limit)
                    throw CiloError(.busy, "\(error.message); waited \(seconds) s")
                }
                if !said { notice("\(error.message); waiting for room") }
                said = true
                if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled while waiting for room") }
                await Pause.seconds(2)
            }
        }
    }

    private func roomiestNow(for env: String) async throws(CiloError) -> String {
        // The count limit the project sets holds on every engine (as admission reads it here).
        let limit = try AdmissionLimits.resolve(
            config: project.config, variable: HostFacts.environment("CILO_MAX_ENVIRONMENTS"), plan: nil, limits: ResourceLimits(),
            containers: nil, totalMemory: 0).maxEnvironments
        let home = self.home
        let projectName = project.name
        let local = try await WorkerThreads.offload { () throws(CiloError) -> EngineRoom in
            try EngineRoom.measure(home: home, project: projectName, maxEnvironments: limit)
        }
        var rooms: [(name: String, room: EngineRoom)] = [(Engine.local, local)]
        // Every engine asked at once; one that does not answer is not considered.
        let engines = try EngineRegistry(home: home).engines()
        let answers = await RemoteEngine.askingEach(engines) { remote throws(CiloError) in
            try await remote.prepare()
            return try await remote.room(project: projectName, maxEnvironments: limit)
        }
        for (engine, answer) in zip(engines, answers) {
            switch answer {
            case .success(let room): rooms.append((engine.name, room))
            case .failure(let error): warn("\(error.description); not considered")
            }
        }
        let open = rooms.filter { $0.room.hasRoom }
        guard let best = open.max(by: { $0.room.spareMemoryBytes < $1.room.spareMemoryBytes }) else {
            let said = rooms.map {
                "\($0.name): \(ByteFormatting.iec(max(0, $0.room.spareMemoryBytes))) above the reserve, plan \($0.room.planFits.map { "fits \($0) more" } ?? "none")"
            }
            throw CiloError(.busy, "no engine has room for '\(env)' (\(said.joined(separator: "; ")))")
        }
        notice("\(env) goes to engine \(best.name) (\(ByteFormatting.iec(best.room.spareMemoryBytes)) of memory above the reserve)")
        return best.name
    }

    /// Destroys `env` on its engine and forgets where it lived; nil when it lives here. An engine
    /// that cannot be reached is an error, unless `force`: then it is forgotten here only.
    public func destroyRemote(_ env: String, force: Bool) async throws(CiloError) -> RemoteDestroy? {
        guard let remote = try engine(of: env) else { return nil }
        let registry = EngineRegistry(home: home)
        let result: ToolResult
        do throws(CiloError) {
            result = try await RemoteEngine(engine: remote).cilo(["destroy", env, "--force"], project: project.name)
        } catch {
            guard force else { throw CiloError(.failed, "\(error.description); --force forgets \(env) here") }
            try registry.forget(project: project.name, env: env)
            return .forgotten(engine: remote.name)
        }
        let gone = result.error.contains("no environment '\(env)'")
        guard result.succeeded || gone else {
            throw CiloError(.failed, "destroy of \(env) on engine \(remote.name) failed: \(result.tail(2))")
        }
        try registry.forget(project: project.name, env: env)
        return .destroyed(engine: remote.name)
    }
}
