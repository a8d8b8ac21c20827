import CiloCore
import CiloSystem
import Foundation
import SystemPackage

/// Commands of an environment that lives on another engine run there: the same command line,
/// through ssh, by the engine's own cilo in the project's synced source. Where an environment
/// lives is the core's (`EnvironmentPlacement`); this is only how the command line travels.
enum RemoteRouting {
    /// The engine `env` of the manager's project lives on; nil when it is this machine's.
    static func engine(of env: String, _ manager: EnvironmentManager) throws(CiloError) -> Engine? {
        try manager.placement.engine(of: env)
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
}
