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

        @Option(help: "When creating: clone this folder instead of the project's root.")
        var from: String?

        @Option(name: [.customShort("e"), .customLong("env")], help: "Set a variable for the command (KEY=VALUE). Repeatable.")
        var variables: [String] = []

        @Flag(help: "Do not start the environment's services.")
        var noUp = false

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
                let manager = try projectOptions.manager(from: from)
                // Ctrl-C while the environment is made rolls it back; once the command runs, its signals are its own.
                let record = try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                    var (record, report) = try await manager.create(name, from: from, mustBeNew: false)
                    if let report { HostFacts.writeToStandardError("cilo: created \(name) (\(report.strategy), \(ByteFormatting.duration(report.seconds)))\n") }
                    if !noUp, !(try await manager.isRunning(name)) {
                        record = try await manager.up(name, options: .init(source: from))
                        HostFacts.writeToStandardError("cilo: \(name) is running on \(record.subnet)\n")
                    } else {
                        record = try await manager.status(name)
                    }
                    return record
                }
                var environment = ProcessInfo.processInfo.environment
                environment.merge(record.runEnvironment(dnsSuffix: manager.dnsSettings?.suffix)) { $1 }
                for variable in variables {
                    let parts = variable.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    environment[parts[0]] = parts.count > 1 ? parts[1] : ""
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
    }
}
