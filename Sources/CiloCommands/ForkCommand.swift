import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo fork <from> <env>`: a new environment as a copy-on-write copy of another.
    struct Fork: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new environment as a copy of another: its workspace and volumes copied at one instant (its running services frozen meanwhile), with its own subnet and names; started unless --no-up.")

        @Argument(help: "The environment copied.")
        var from: String

        @Argument(help: "The new environment's name.")
        var env: String

        @Flag(help: "Make it without starting its services.")
        var noUp = false

        @Option(name: .customLong("profile"), help: "Activate a compose profile (repeatable).")
        var profiles: [String] = []

        @Option(help: "Seconds to wait for services to run (and be healthy) or, one-shot jobs, to finish.")
        var timeout: Double = 120

        @Flag(help: "Print the new environment's record and the fork's figures (forkSeconds, pausedSeconds, each volume's strategy) as JSON.")
        var json = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 1 and 3600 seconds") }
        }

        func run() async throws {
            let outcome = try await global.perform { () throws(CiloError) in
                let source = try NameRules.environmentName(from)
                let name = try NameRules.environmentName(env)
                let manager = try projectOptions.manager(from: nil, explaining: global.verbose)
                // A fork is made where its source lives.
                if let remote = try RemoteRouting.engine(of: source, manager) {
                    try RemoteRouting.forward(to: remote, project: manager.project.name)
                }
                if let remote = try RemoteRouting.engine(of: name, manager) {
                    throw CiloError(.alreadyExists, "environment '\(name)' lives on engine \(remote.name): name a new environment")
                }
                var request = EnvironmentRequest(env: name, start: noUp ? .never : .always)
                request.fork = source
                request.mustBeNew = true
                request.profiles = profiles
                request.timeoutSeconds = timeout
                return try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                    try await manager.prepare(request)
                }
            }
            EnvironmentText.printWarnings(outcome.warnings)
            let record = outcome.record
            if json, let fork = outcome.fork {
                print(try JSONOutput.encode(ForkOutput(environment: record, fork: fork)))
                return
            }
            print("\(record.project)/\(record.name) \(outcome.started ? "is running on" : "was made on") \(record.subnet)")
            if let fork = outcome.fork { print(ForkText.render(fork)) }
            if outcome.started { print(EnvironmentText.services(record)) }
        }
    }
}
