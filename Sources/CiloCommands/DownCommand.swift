import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo down <env>...`: stop containers, keep everything else.
    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and remove an environment's containers; keep its workspace, volumes and state.")

        @OptionGroup var selection: EnvironmentSelection

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let names = try await selection.names(manager)
                for name in names {
                    if let remote = try RemoteRouting.engine(of: name, manager) {
                        let status = try await RemoteRouting.run(["down", name], on: remote, project: manager.project.name)
                        guard status == 0 else { throw CiloError(.failed, "down of \(name) on engine \(remote.name) failed (exit \(status))") }
                        continue
                    }
                    try await manager.down(name)
                    print("stopped \(manager.project.name)/\(name)")
                }
            }
        }
    }
}
