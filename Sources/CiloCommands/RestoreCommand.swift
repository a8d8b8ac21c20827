import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo restore <env> NAME`: put a checkpoint's state back.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put an environment back at a checkpoint: stop its services, replace workspace and volumes with the checkpoint's, start them again. The state replaced is kept as a checkpoint unless --discard.")

        @Argument(help: "The environment.")
        var env: String

        @Argument(help: "The checkpoint (cilo checkpoints ENV lists them).")
        var name: String

        @OptionGroup var options: RestoreOptions

        func run() async throws {
            try await options.restore(env, to: name)
        }
    }
}

/// What `restore` and `reset` share.
struct RestoreOptions: ParsableArguments {
    @Flag(help: "Delete the state replaced instead of keeping it as a checkpoint.")
    var discard = false

    @Flag(help: "Print what was done as JSON.")
    var json = false

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var global: GlobalOptions

    /// Restores checkpoint `name` of `env` and prints what was done.
    func restore(_ env: String, to name: String) async throws {
        let outcome = try await global.perform { () throws(CiloError) -> RestoreOutcome in
            let env = try NameRules.environmentName(env)
            let manager = try projectOptions.manager()
            if let remote = try RemoteRouting.engine(of: env, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
            return try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                try await manager.restore(env, checkpoint: name, discard: discard)
            }
        }
        if json {
            print(try JSONOutput.encode(outcome.report))
        } else {
            print(CheckpointText.restored(outcome))
        }
    }
}
