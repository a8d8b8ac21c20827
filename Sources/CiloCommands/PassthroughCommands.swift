import ArgumentParser
import CiloCore
import CiloSystem
import Foundation
import SystemPackage

/// Hands the terminal to compose for an environment: the process becomes compose.
enum ComposePassthrough {
    /// `service`: the one service the arguments name, if any; a shared one is the shared project's.
    static func exec(_ manager: EnvironmentManager, env: String, _ arguments: [String], service: String? = nil) async throws(CiloError) -> Never {
        if let remote = try RemoteRouting.engine(of: env, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
        let record = try manager.record(env)
        let shared = record.services.contains { $0.name == service && $0.shared == true }
        let commandLine = shared ? try await manager.sharing.sharedComposeCommandLine(arguments) : try await manager.stack.composeCommandLine(record, arguments)
        var environment = ProcessInfo.processInfo.environment
        environment["CILO_ENV"] = record.name
        environment["CILO_PROJECT"] = record.project
        do throws(Errno) {
            try ProcessReplacement.exec(commandLine[0], arguments: Array(commandLine.dropFirst()), environment: environment,
                                        workingDirectory: record.workspace)
        } catch {
            throw .system(error, "cannot run \(commandLine[0])", path: nil)
        }
    }

    /// Arguments captured for passthrough, without the `--` that separates them.
    static func words(_ captured: [String]) -> [String] {
        captured.first == "--" ? Array(captured.dropFirst()) : captured
    }

    /// Throws unless `service` is one of the environment's services.
    static func requireService(_ service: String, of manager: EnvironmentManager, env: String) throws(CiloError) {
        // One on another engine is checked there.
        if try RemoteRouting.engine(of: env, manager) != nil { return }
        let record = try manager.record(env)
        guard record.services.contains(where: { $0.name == service }) else {
            let known = record.services.map(\.name).joined(separator: ", ")
            throw CiloError(.notFound, "no service '\(service)' in environment '\(env)' (services: \(known))")
        }
    }
}

extension CiloCommand {
    /// `cilo logs <env> [SERVICE]`.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an environment's logs (compose logs).")

        @Argument(help: "The environment name.") var env: String
        @Argument(help: "One service (default: all).") var service: String?
        @Flag(name: .shortAndLong, help: "Follow the logs.") var follow = false
        @Option(help: "Lines from the end of each log.") var tail: Int?
        @Option(help: "Only lines since this time: a timestamp (2026-12-02T10:00:00) or a duration ago (10m, 2h).") var since: String?
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                var arguments = ["logs"]
                if follow { arguments.append("-f") }
                if let tail { arguments += ["--tail", "\(tail)"] }
                if let since { arguments += ["--since", since] }
                if let service {
                    try ComposePassthrough.requireService(service, of: manager, env: name)
                    arguments.append(service)
                }
                try await ComposePassthrough.exec(manager, env: name, arguments, service: service)
            }
        }
    }

    /// `cilo exec <env> <service> [-- CMD...]`.
    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a command in a service's container (default: sh).")

        @Argument(help: "The environment name.") var env: String
        @Argument(help: "The service.") var service: String
        @Argument(parsing: .captureForPassthrough, help: "The command (after --).") var command: [String] = []
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                try ComposePassthrough.requireService(service, of: manager, env: name)
                let words = ComposePassthrough.words(command)
                // A TTY only when stdin is one: scripts and agents pipe into exec.
                let tty = HostFacts.isTerminal(0) ? [] : ["-T"]
                try await ComposePassthrough.exec(manager, env: name, ["exec"] + tty + [service] + (words.isEmpty ? ["sh"] : words), service: service)
            }
        }
    }

    /// `cilo compose <env> -- ARGS...`.
    struct Compose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run any compose command against an environment.")

        @Argument(help: "The environment name.") var env: String
        @Argument(parsing: .captureForPassthrough, help: "Compose arguments (after --).") var arguments: [String] = []
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let words = ComposePassthrough.words(arguments)
                guard !words.isEmpty else { throw CiloError(.invalidArgument, "give compose arguments after --, e.g. cilo compose \(env) -- ps") }
                try await ComposePassthrough.exec(manager, env: try NameRules.environmentName(env), words)
            }
        }
    }
}
