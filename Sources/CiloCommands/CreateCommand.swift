import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo create <env>`: the workspace, subnet and compose file; nothing starts.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an environment: clone the project, reserve a subnet, render its compose file. Starts nothing.")

        @Argument(help: "The environment name ([a-z0-9-], up to 63 characters).")
        var env: String

        @Option(help: "Clone this folder instead of the project's root.")
        var from: String?

        @Option(help: "auto, snapshot, reflink, copy-range or copy.")
        var strategy: CloneStrategy = .auto

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let name = try NameRules.environmentName(env)
                let manager = try projectOptions.manager(from: from)
                let (record, report) = try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                    try await manager.create(name, from: from, strategy: strategy)
                }
                print("created \(record.project)/\(record.name) at \(record.workspace) (subnet \(record.subnet))")
                if let report { print(CloneReportText.render(report)) }
            }
        }
    }
}
