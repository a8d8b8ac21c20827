import ArgumentParser
import CiloCore
import Foundation

extension CiloCommand {
    /// `cilo status <env>`: one environment in detail.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one environment: status, subnet, workspace, services and addresses.")

        @Argument(help: "The environment name.")
        var env: String

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (record, variables) = try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                if let remote = try RemoteRouting.engine(of: name, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
                let record = try await manager.status(name)
                let dns = manager.names.dnsSettings
                return (record, record.runEnvironment(dnsSuffix: dns?.suffix, namesRouted: dns.map(SystemResolver.isRouted) ?? false))
            }
            if json {
                print(try JSONOutput.encode(StatusOutput(record: record, variables: variables)))
                return
            }
            print("\(record.project)/\(record.name): \(record.status.rawValue)")
            print("  subnet     \(record.subnet)")
            print("  workspace  \(record.workspace) (\(record.cloneStrategy.rawValue)\(record.overlayBase.map { " on base \($0)" } ?? ""))")
            print("  compose    \(record.composeFile)")
            print("  volumes    \(record.volumeFolder ?? EnvironmentVolumes.moveAdvice(record) ?? "")")
            if let from = record.forkedFrom { print("  forked     from \(from)") }
            print("  runs       \(record.sandbox?.summary ?? "unconfined (cilo run --sandbox confines them)")")
            if let error = record.lastError { print("  last error \(error)") }
            print(EnvironmentText.services(record))
        }
    }

    /// `cilo path <env>`: the workspace folder, for `cd $(cilo path agent-1)`.
    struct Path: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an environment's workspace folder.")

        @Argument(help: "The environment name.")
        var env: String

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let path = try await global.perform { () throws(CiloError) -> String in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                if let remote = try RemoteRouting.engine(of: name, manager) {
                    let result = try await RemoteEngine(engine: remote).cilo(["path", name], project: manager.project.name)
                    guard result.succeeded else { throw CiloError(.failed, "engine \(remote.name): \(result.tail(1))") }
                    return remote.name + ":" + result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return try manager.record(name).workspace
            }
            print(path)
        }
    }

    /// `cilo status --json`: the record's fields, and `variables`, the `CILO_*` variables a
    /// command of the environment gets (`cilo run`).
    struct StatusOutput: Encodable {
        var record: EnvironmentRecord
        var variables: [String: String]

        private enum Keys: String, CodingKey { case variables }

        func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(variables, forKey: .variables)
        }
    }
}
