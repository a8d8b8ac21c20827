import ArgumentParser
import CiloCore
import CiloSystem
import Foundation
import SystemPackage

extension CiloCommand {
    /// `cilo run <command> <env> [ARGS...]`: an agent's whole day in one command.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command in an environment's workspace, creating and starting the environment as needed.",
            discussion: """
                Everything after <env> belongs to the command, dashes included: \
                `cilo run npm shard-1 test -- --shard=1/4`. The command gets CILO_ENV, CILO_PROJECT, \
                CILO_WORKSPACE, CILO_BASE_URL, CILO_DNS_SUFFIX, CILO_SUBNET and CILO_SERVICE_<NAME>_IP; \
                its terminal, signals and exit status are passed through.
                """)

        @Option(name: [.customShort("e"), .customLong("env")], help: "Set a variable for the command and compose's interpolation (KEY=VALUE). Repeatable.")
        var variables: [String] = []

        @Flag(help: "Do not start the environment's services.")
        var noUp = false

        @Flag(help: "Destroy the environment after the command; the command's exit status is kept (also after Ctrl-C).")
        var rm = false

        @OptionGroup var sandboxOptions: SandboxOptions
        @OptionGroup var start: StartOptions
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        @Argument(help: "The command to run.")
        var command: String

        @Argument(help: "The environment name.")
        var env: String

        @Argument(parsing: .captureForPassthrough, help: "The command's arguments.")
        var arguments: [String] = []

        func validate() throws {
            for variable in variables where !variable.contains("=") || variable.hasPrefix("=") {
                throw ValidationError("-e needs KEY=VALUE, not '\(variable)'")
            }
        }

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let name = try NameRules.environmentName(env)
                let manager = try projectOptions.manager(from: start.from, explaining: global.verbose)
                if let forked = start.fork, let remote = try RemoteRouting.engine(of: forked, manager) {
                    try RemoteRouting.forward(to: remote, project: manager.project.name)
                }
                if let remote = try await manager.placement.target(name, asked: start.engine, from: start.from, waiting: start.placementWaiting) {
                    if rm { try await RemoteRouting.forwardRemoving(name, to: remote, manager: manager) }
                    try RemoteRouting.forward(to: remote, project: manager.project.name)
                }
                var extra: [String: String] = [:]
                for variable in variables {
                    let parts = variable.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    extra[parts[0]] = parts.count > 1 ? parts[1] : ""
                }
                var request = try start.request(name, start: noUp ? .never : .unlessRunning)
                request.variables = extra
                let sandbox = sandboxOptions.settings(manager.project.config)
                if sandbox != nil { _ = try sandboxOptions.keptDescriptors() }  // bad input before anything is made
                request.sandbox = .some(sandbox)
                let existed = try manager.store.load(project: manager.project.name, env: name) != nil
                // Ctrl-C while the environment is made rolls it back; once the command runs, its signals are its own.
                let outcome: EnvironmentOutcome
                do throws(CiloError) {
                    outcome = try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                        try await manager.prepare(request)
                    }
                } catch {
                    if rm && !existed { await manager.destroyUnwanted(name) }
                    throw error
                }
                let record = outcome.record
                if let report = outcome.cloneReport {
                    HostFacts.writeToStandardError("cilo: created \(name) (\(report.strategy), \(ByteFormatting.duration(report.seconds)))\n")
                }
                EnvironmentText.printWarnings(outcome.warnings)
                if outcome.started { HostFacts.writeToStandardError("cilo: \(name) is running on \(record.subnet)\n") }
                var environment = ProcessInfo.processInfo.environment
                let dns = manager.names.dnsSettings
                environment.merge(record.runEnvironment(dnsSuffix: dns?.suffix, namesRouted: dns.map(SystemResolver.isRouted) ?? false)) { $1 }
                environment.merge(extra) { $1 }
                var confinement: Confinement?
                if let sandbox {
                    environment["TMPDIR"] = manager.sandbox.temporaryFolder(of: record)
                    do throws(CiloError) {
                        confinement = try await manager.sandbox.confinement(for: record, sandbox)
                        confinement?.keptDescriptors = try sandboxOptions.keptDescriptors()
                    } catch {
                        if rm && !existed { await manager.destroyUnwanted(name) }
                        throw error
                    }
                }
                // Not root, the confinement begins with a user namespace, which a process with threads
                // (cilo) cannot enter: the command is its child then, as with --rm. So it is when the
                // caller is at the other end of ssh without a terminal: cilo hangs it up when the connection goes.
                let hangsUpWithSSH = HostFacts.environment("CILO_VIA_SSH") == "1" && !HostFacts.isTerminal(1)
                environment["CILO_VIA_SSH"] = nil
                if rm || confinement?.usesUserNamespace == true || hangsUpWithSSH {
                    try await runAsChild(
                        record, environment: environment, manager: manager, confinement: confinement, destroying: rm, hangsUpWithSSH: hangsUpWithSSH)
                }
                if let confinement {
                    do throws(Confinement.Failure) {
                        try confinement.exec(command, arguments: arguments, environment: environment, workingDirectory: record.workspace)
                    } catch {
                        throw SandboxOptions.failure(error, command: command)
                    }
                }
                do throws(Errno) {
                    try ProcessReplacement.exec(command, arguments: arguments, environment: environment, workingDirectory: record.workspace)
                } catch {
                    if error == .noSuchFileOrDirectory {
                        throw CiloError(.commandNotFound, "command not found: \(command)")
                    }
                    throw .system(error, "cannot run \(command)", path: nil)
                }
            }
        }
    
        /// Runs the command as a child, destroys the environment once it ended when `destroying`
        /// (`--rm`), and ends cilo as the command ended (exit code, or the signal that killed it).
        private func runAsChild(
            _ record: EnvironmentRecord, environment: [String: String], manager: EnvironmentManager, confinement: Confinement?,
            destroying: Bool, hangsUpWithSSH: Bool
        ) async throws(CiloError) -> Never {
            let child: ChildProcess
            do throws(CiloError) {
                child = try spawn(record, environment: environment, confinement: confinement)
            } catch {
                if destroying { await manager.destroyUnwanted(record.name) }
                throw error
            }
            let signals = ChildSignals(forwardingTo: child)
            // The connection's pipes closed: what a terminal's hangup does, SIGHUP to the command.
            let hangup = hangsUpWithSSH ? HangupWatcher(descriptors: [1, 2]) { child.send(SIGHUP) } : nil
            defer { withExtendedLifetime(hangup) {} }
            let termination: ChildProcess.Termination
            do throws(CiloError) { termination = try await child.termination() } catch {
                signals.stopForwarding()
                if destroying { await manager.destroyUnwanted(record.name) }
                throw error
            }
            signals.stopForwarding()
            if destroying { await manager.destroyUnwanted(record.name) }
            ChildProcess.end(like: termination)
        }

        /// Starts the command as a child, confined when asked.
        private func spawn(_ record: EnvironmentRecord, environment: [String: String], confinement: Confinement?) throws(CiloError) -> ChildProcess {
            if let confinement {
                do throws(Confinement.Failure) {
                    return try confinement.spawn(command, arguments: arguments, environment: environment, workingDirectory: record.workspace)
                } catch {
                    throw SandboxOptions.failure(error, command: command)
                }
            }
            do throws(Errno) {
                return try ChildProcess.spawn(command, arguments: arguments, environment: environment, workingDirectory: record.workspace)
            } catch {
                if error == .noSuchFileOrDirectory { throw CiloError(.commandNotFound, "command not found: \(command)") }
                throw .system(error, "cannot run \(command)", path: nil)
            }
        }

        /// Destroys the environment after the command; a failure is said, never hides the command's status.
    }
}
