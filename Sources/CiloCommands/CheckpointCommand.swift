import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo checkpoint <env> [NAME]`: keep the environment's state; `--rm NAME` removes one.
    struct CheckpointCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Keep an environment's state (workspace and volumes, its running services frozen while they are copied) as a named checkpoint, or remove one with --rm.")

        @Argument(help: "The environment.")
        var env: String

        @Argument(help: "The checkpoint's name (default: the time, like 20261202-141217).")
        var name: String?

        @Option(name: .customLong("rm"), help: ArgumentHelp("Remove this checkpoint instead.", valueName: "name"))
        var remove: String?

        @Flag(help: "Print the checkpoint as JSON.")
        var json = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if remove != nil && name != nil { throw ValidationError("--rm removes a checkpoint: give its name to --rm alone") }
        }

        func run() async throws {
            let kept = try await global.perform { () throws(CiloError) -> (project: String, checkpoint: Checkpoint)? in
                let env = try NameRules.environmentName(self.env)
                let manager = try projectOptions.manager()
                if let remote = try RemoteRouting.engine(of: env, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
                if let remove {
                    try await manager.removeCheckpoint(env, name: remove)
                    print("removed checkpoint \(remove) of \(manager.project.name)/\(env)")
                    return nil
                }
                let checkpoint = try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                    try await manager.checkpoint(env, name: name)
                }
                return (manager.project.name, checkpoint)
            }
            guard let kept else { return }
            if json {
                print(try JSONOutput.encode(kept.checkpoint))
                return
            }
            print("checkpoint \(kept.checkpoint.name) of \(kept.project)/\(env) kept")
            print(CheckpointText.copies(kept.checkpoint))
        }
    }
}
