import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo reset <env>`: back to the state right after its first successful up.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put an environment back at the state right after its first successful up (its checkpoint 'initial'); the state replaced is kept as a checkpoint unless --discard.")

        @Argument(help: "The environment.")
        var env: String

        @OptionGroup var options: RestoreOptions

        func run() async throws {
            try await options.restore(env, to: Checkpoint.initialName)
        }
    }
}
