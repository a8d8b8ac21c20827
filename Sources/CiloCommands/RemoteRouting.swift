import CiloCore
import CiloSystem
import Foundation
import SystemPackage

/// Commands of an environment that lives on another engine run there: the same command line,
/// through ssh, by the engine's own cilo in the project's synced source.
enum RemoteRouting {
    /// The engine `env` of the manager's project lives on; nil when it is this machine's.
    static func engine(of env: String, _ manager: EnvironmentManager) throws(CiloError) -> Engine? {
        let registry = EngineRegistry(home: manager.home)
        guard let placement = try registry.placement(project: manager.project.name, env: env) else { return nil }
        return try registry.engine(placement.engine)
    }

    /// This command line as given, without `--engine` (the engine runs it as its own).
    static var forwardedArguments: [String] {
        var result: [String] = []
        var skipNext = false
        for argument in CommandLine.arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            if argument == "--engine" { skipNext = true; continue }
            if argument.hasPrefix("--engine=") { continue }
            result.append(argument)
        }
        return result
    }

    /// Becomes ssh running this same command on `engine` (a terminal when standard input is
    /// one), so output, signals and exit status are the remote command's.
    static func forward(to engine: Engine, project: String, arguments: [String] = forwardedArguments) throws(CiloError) -> Never {
        let line = RemoteEngine(engine: engine).ciloCommandLine(arguments, project: project)
        let ssh = engine.sshArguments(line, terminal: HostFacts.isTerminal(0) && HostFacts.isTerminal(1))
        do throws(Errno) {
            try ProcessReplacement.exec(ssh[0], arguments: Array(ssh.dropFirst()), environment: ProcessInfo.processInfo.environment,
                                        workingDirectory: nil)
        } catch {
            throw .system(error, "cannot run \(ssh[0]) to reach engine \(engine.name)", path: nil)
        }
    }

    /// `cilo run --rm` of `env` on `engine`: ssh runs this command line as a child (the same
    /// terminal; Ctrl-C reaches it, SIGTERM and SIGHUP are passed on), then, when the engine
    /// says the environment is gone (its cilo removed it), it is forgotten here too. cilo ends
    /// as the command did.
    static func forwardRemoving(_ env: String, to engine: Engine, manager: EnvironmentManager) async throws(CiloError) -> Never {
        let project = manager.project.name
        let line = RemoteEngine(engine: engine).ciloCommandLine(forwardedArguments, project: project)
        let ssh = engine.sshArguments(line, terminal: HostFacts.isTerminal(0) && HostFacts.isTerminal(1))
        let child: ChildProcess
        do throws(Errno) {
            child = try ChildProcess.spawn(ssh[0], arguments: Array(ssh.dropFirst()), environment: ProcessInfo.processInfo.environment, workingDirectory: nil)
        } catch {
            throw .system(error, "cannot run \(ssh[0]) to reach engine \(engine.name)", path: nil)
        }
        let signals = ChildSignals(forwardingTo: child)
        defer { signals.stopForwarding() }
        let termination = try await child.termination()
        do throws(CiloError) { try await RemoteEnvironments(home: manager.home).forgetIfGone(env, project: project, on: engine) } catch {
            HostFacts.writeToStandardError("cilo: warning: \(error.description); cilo list forgets \(env) once the engine no longer has it\n")
        }
        ChildProcess.end(like: termination)
    }

    /// Runs a cilo command on `engine`, its standard output passed through and its standard
    /// error printed after it. - Returns: its exit status.
    static func run(_ arguments: [String], on engine: Engine, project: String) async throws(CiloError) -> Int32 {
        let line = RemoteEngine(engine: engine).ciloCommandLine(arguments, project: project)
        let ssh = engine.sshArguments(line)
        let result = try await ToolRunner.runPassingOutput(ssh[0], Array(ssh.dropFirst()))
        if !result.error.isEmpty { HostFacts.writeToStandardError(result.error.hasSuffix("\n") ? result.error : result.error + "\n") }
        if result.status == 255 { throw CiloError(.failed, "engine \(engine.name): ssh failed (\(result.error.split(separator: "\n").last ?? ""))") }
        return result.status
    }

    /// Destroys `env` on its engine and forgets where it lived. An engine that cannot be reached
    /// is an error, unless `force`: then it is forgotten here, and what may remain there is said.
    static func destroy(_ env: String, _ manager: EnvironmentManager, force: Bool) async throws(CiloError) {
        guard let remote = try engine(of: env, manager) else { return }
        let registry = EngineRegistry(home: manager.home)
        let result: ToolResult
        do throws(CiloError) {
            result = try await RemoteEngine(engine: remote).cilo(["destroy", env, "--force"], project: manager.project.name)
        } catch {
            guard force else { throw CiloError(.failed, "\(error.description); --force forgets \(env) here") }
            try registry.forget(project: manager.project.name, env: env)
            print("forgot \(manager.project.name)/\(env): engine \(remote.name) is unreachable; its containers, volumes and workspace may remain there")
            return
        }
        let gone = result.error.contains("no environment '\(env)'")
        guard result.succeeded || gone else {
            throw CiloError(.failed, "destroy of \(env) on engine \(remote.name) failed: \(result.tail(2))")
        }
        try registry.forget(project: manager.project.name, env: env)
        print("destroyed \(manager.project.name)/\(env) on engine \(remote.name)")
    }

    /// `--engine auto`: the engine (this machine included) where the project's plan and the
    /// memory reserve still allow one more environment and the most memory is left; an engine
    /// that does not answer is skipped with a warning. None: `busy` (exit 75) at once, or with
    /// `wait` (`--wait [SECONDS]`) asked again every 2 s until one has room or the time is up.
    static func roomiest(for env: String, _ manager: EnvironmentManager, wait: String?) async throws(CiloError) -> String {
        let deadline = wait.flatMap { $0 == "forever" ? nil : Double($0) }.map { Date().addingTimeInterval($0) }
        var said = false
        while true {
            do throws(CiloError) {
                return try await roomiest(for: env, manager)
            } catch where error.code == .busy && wait != nil {
                if let deadline, Date() >= deadline { throw CiloError(.busy, "\(error.message); waited \(wait ?? "") s") }
                if !said { HostFacts.writeToStandardError("cilo: \(error.message); waiting for room\n") }
                said = true
                if manager.cancellation.isCancelled { throw CiloError(.cancelled, "cancelled while waiting for room") }
                try? await Task.sleep(nanoseconds: 2_000_000_000)
            }
        }
    }

    private static func roomiest(for env: String, _ manager: EnvironmentManager) async throws(CiloError) -> String {
        // The count limit the project sets holds on every engine (as admission reads it here).
        let limit = try AdmissionLimits.resolve(
            config: manager.project.config, variable: HostFacts.environment("CILO_MAX_ENVIRONMENTS"), plan: nil, limits: ResourceLimits(),
            containers: nil, totalMemory: 0).maxEnvironments
        var rooms: [(name: String, room: EngineRoom)] = [
            (Engine.local, try EngineRoom.measure(home: manager.home, project: manager.project.name, maxEnvironments: limit)),
        ]
        // Every engine asked at once; one that does not answer is not considered.
        let engines = try EngineRegistry(home: manager.home).engines()
        let project = manager.project.name
        let answers = await RemoteEngine.askingEach(engines) { remote throws(CiloError) in
            try await remote.prepare()
            return try await remote.room(project: project, maxEnvironments: limit)
        }
        for (engine, answer) in zip(engines, answers) {
            switch answer {
            case .success(let room): rooms.append((engine.name, room))
            case .failure(let error): HostFacts.writeToStandardError("cilo: warning: \(error.description); not considered\n")
            }
        }
        let open = rooms.filter { $0.room.hasRoom }
        guard let best = open.max(by: { $0.room.spareMemoryBytes < $1.room.spareMemoryBytes }) else {
            let said = rooms.map { "\($0.name): \(ByteFormatting.iec(max(0, $0.room.spareMemoryBytes))) above the reserve, plan \($0.room.planFits.map { "fits \($0) more" } ?? "none")" }
            throw CiloError(.busy, "no engine has room for '\(env)' (\(said.joined(separator: "; ")))")
        }
        HostFacts.writeToStandardError("cilo: \(env) goes to engine \(best.name) (\(ByteFormatting.iec(best.room.spareMemoryBytes)) of memory above the reserve)\n")
        return best.name
    }

    /// For `create`, `up` and `run` of `env`: the engine asked for (`--engine`, else `engine:` in
    /// the config, else this machine), made ready and synced, or the one it already lives on (ready).
    /// Nil: this machine.
    static func target(_ env: String, asked: String?, from: String?, wait: String? = nil, manager: EnvironmentManager) async throws(CiloError) -> Engine? {
        if try manager.store.load(project: manager.project.name, env: env) != nil {
            guard asked == nil || asked == Engine.local else {
                throw CiloError(.alreadyExists, "environment '\(env)' of project '\(manager.project.name)' exists on this machine (engine local), not on \(asked ?? "")")
            }
            return nil
        }
        if let existing = try engine(of: env, manager) {
            if let asked, asked != existing.name {
                throw CiloError(.alreadyExists, "environment '\(env)' lives on engine \(existing.name), not \(asked)")
            }
            // Its workspace is made already: only cilo's binary there is checked, the source is not walked again.
            try await RemoteEngine(engine: existing).prepare()
            return existing
        }
        var name = asked ?? manager.project.config.engine ?? Engine.local
        if name == "auto" { name = try await roomiest(for: env, manager, wait: wait) }
        guard name != Engine.local else { return nil }
        guard from == nil else {
            throw CiloError(.invalidArgument, "--from cannot be used with engine \(name): the project's own folder is what is synced there")
        }
        let placed = try await RemoteEnvironments(home: manager.home).place(env, project: manager.project, on: name)
        HostFacts.writeToStandardError("cilo: \(placed.synced ? "synced" : "source unchanged on") engine \(name)\n")
        return placed.engine
    }
}
