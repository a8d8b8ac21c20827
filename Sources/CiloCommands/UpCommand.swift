import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo up <env>`: start an environment (creating it if needed) and wait for its services.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start an environment on its own network, creating it if needed; wait until its services run.")

        @Argument(help: "The environment name.")
        var env: String

        @Flag(help: "Build images before starting.")
        var build = false

        @Flag(help: "Recreate containers even if their configuration is unchanged.")
        var recreate = false

        @Option(help: "Seconds to wait for services to run (and be healthy).")
        var timeout: Double = 120

        @Option(help: "When creating: clone this folder instead of the project's root.")
        var from: String?

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 1 and 3600 seconds") }
        }

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let name = try NameRules.environmentName(env)
                let manager = try projectOptions.manager(from: from)
                let record = try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                    try await manager.up(name, options: .init(build: build, recreate: recreate, timeoutSeconds: timeout, source: from))
                }
                print("\(record.project)/\(record.name) is running on \(record.subnet)")
                print(EnvironmentText.services(record))
            }
        }
    }
}
