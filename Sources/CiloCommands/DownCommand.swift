import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo down <env>...`: stop containers, keep everything else.
    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and remove an environment's containers; keep its workspace, volumes and state.")

        @Argument(help: "Environment names.")
        var envs: [String] = []

        @Flag(help: "Every environment of the project.")
        var all = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if all == !envs.isEmpty { throw ValidationError("name environments or give --all (not both)") }
        }

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let names = all ? try await manager.list(allProjects: false).map(\.name) : try environmentNames(envs)
                for name in names {
                    try await manager.down(name)
                    print("stopped \(manager.project.name)/\(name)")
                }
            }
        }
    }
}
