import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo up <env>`: start an environment (creating it if needed) and wait for its services.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start an environment on its own network, creating it if needed; wait until its services run.")

        @Argument(help: "The environment name.")
        var env: String

        @Flag(help: "Recreate containers even if their configuration is unchanged.")
        var recreate = false

        @Flag(help: "Print the environment record as JSON (warnings included).")
        var json = false

        @Flag(name: .customLong("new"), help: "Refuse an environment that exists already, and remove the new one when it does not start (or Ctrl-C): a new running environment or nothing.")
        var mustBeNew = false

        @OptionGroup var start: StartOptions
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let outcome = try await global.perform { () throws(CiloError) in
                let name = try NameRules.environmentName(env)
                let manager = try projectOptions.manager(from: start.from, explaining: global.verbose)
                if let forked = start.fork, let remote = try RemoteRouting.engine(of: forked, manager) {
                    try RemoteRouting.forward(to: remote, project: manager.project.name)
                }
                if let remote = try await manager.placement.target(name, asked: start.engine, from: start.from, waiting: start.placementWaiting) {
                    try RemoteRouting.forward(to: remote, project: manager.project.name)
                }
                var request = try start.request(name, start: .always)
                request.recreate = recreate
                request.mustBeNew = mustBeNew
                do throws(CiloError) {
                    return try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                        try await manager.prepare(request)
                    }
                } catch {
                    // --new is all or nothing: a new environment that did not start (or was cancelled) goes.
                    if mustBeNew && error.code != .alreadyExists { await manager.destroyUnwanted(name) }
                    throw error
                }
            }
            EnvironmentText.printWarnings(outcome.warnings)
            if json {
                print(try JSONOutput.encode(outcome.record))
                return
            }
            print("\(outcome.record.project)/\(outcome.record.name) is running on \(outcome.record.subnet)")
            print(EnvironmentText.services(outcome.record))
        }
    }
}
