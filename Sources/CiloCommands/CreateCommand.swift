import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo create <env>`: the workspace, subnet and compose file; nothing starts.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an environment: clone the project, reserve a subnet, render its compose file. Starts nothing.")

        @Argument(help: "The environment name (lower-case letters, digits and '-', up to 63 characters).")
        var env: String

        @Option(help: "Clone this folder instead of the project's root.")
        var from: String?

        @Option(help: ArgumentHelp("Copy this environment's workspace and volumes (as cilo fork) instead of cloning the project.", valueName: "env"))
        var fork: String?

        @Option(help: ArgumentHelp("Fork this environment if the project has not changed since it was made, else clone the project and say why (over template: in .cilo/config.yml).", valueName: "env"))
        var template: String?

        @Option(help: "auto (a snapshot where possible, else an overlay of a shared base where cilo may mount, else a clone), snapshot, overlay, reflink, copy-range or copy.")
        var strategy: CloneStrategy = .auto

        @Option(name: .customLong("profile"), help: "Render with this compose profile active (repeatable).")
        var profiles: [String] = []

        @Flag(help: "Print the environment record as JSON (warnings included).")
        var json = false

        @Option(help: ArgumentHelp("Where it goes: local, an engine's name (cilo engines add) or auto; default engine: in .cilo/config.yml, else local.", valueName: "name"))
        var engine: String?

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let outcome = try await global.perform { () throws(CiloError) in
                let name = try NameRules.environmentName(env)
                let manager = try projectOptions.manager(from: from, explaining: global.verbose)
                let forked = try fork.map(NameRules.environmentName)
                if let forked, let remote = try RemoteRouting.engine(of: forked, manager) {
                    try RemoteRouting.forward(to: remote, project: manager.project.name)
                }
                if let remote = try await manager.placement.target(name, asked: engine, from: from) {
                    try RemoteRouting.forward(to: remote, project: manager.project.name)
                }
                var request = EnvironmentRequest(env: name, start: .never)
                request.source = from
                request.fork = forked
                request.template = try template.map(NameRules.environmentName)
                request.strategy = strategy
                request.mustBeNew = true
                request.profiles = profiles
                return try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                    try await manager.prepare(request)
                }
            }
            EnvironmentText.printWarnings(outcome.warnings)
            let record = outcome.record
            if json {
                print(try outcome.fork.map { try JSONOutput.encode(ForkOutput(environment: record, fork: $0)) } ?? JSONOutput.encode(record))
                return
            }
            print("created \(record.project)/\(record.name) at \(record.workspace) (subnet \(record.subnet))")
            if let fork = outcome.fork {
                print(ForkText.render(fork))
            } else if let report = outcome.cloneReport {
                print(CloneReportText.render(report))
            }
        }
    }
}
