import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo checkpoints <env>`: an environment's checkpoints with what each costs on disk.
    struct Checkpoints: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an environment's checkpoints: name, kind, time and exclusive bytes (what deleting it would free).")

        @Argument(help: "The environment.")
        var env: String

        @Flag(help: "Print them as JSON.")
        var json = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let found = try await global.perform { () throws(CiloError) -> [Checkpoint] in
                let env = try NameRules.environmentName(self.env)
                let manager = try projectOptions.manager()
                if let remote = try RemoteRouting.engine(of: env, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
                return try await manager.listCheckpoints(env, measuring: true)
            }
            if json {
                print(try JSONOutput.encode(found))
            } else if found.isEmpty {
                print("no checkpoints of \(env) (cilo checkpoint \(env) takes one)")
            } else {
                print(CheckpointText.table(found))
            }
        }
    }
}
