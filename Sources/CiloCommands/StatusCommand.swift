import ArgumentParser
import CiloCore

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
            let record = try await global.perform { () throws(CiloError) in
                try await projectOptions.manager().status(try NameRules.environmentName(env))
            }
            if json {
                print(try JSONOutput.encode(record))
                return
            }
            print("\(record.project)/\(record.name): \(record.status.rawValue)")
            print("  subnet     \(record.subnet)")
            print("  workspace  \(record.workspace) (\(record.cloneStrategy)\(record.overlayBase.map { " on base \($0)" } ?? ""))")
            print("  compose    \(record.composeFile)")
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
            let record = try await global.perform { () throws(CiloError) in
                try projectOptions.manager().record(try NameRules.environmentName(env))
            }
            print(record.workspace)
        }
    }
}
