import ArgumentParser
import CiloCore
import CiloSystem

extension CiloCommand {
    /// `cilo destroy <env>...`: remove everything an environment is.
    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove environments: containers, volumes, network, generated files, workspace and state.")

        @OptionGroup var selection: EnvironmentSelection

        @Flag(help: "Do not ask for confirmation.")
        var force = false

        @Flag(help: "Keep the workspace folder.")
        var keepWorkspace = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let names = try await selection.names(manager)
                for name in names { _ = try manager.record(name) }
                if names.isEmpty {
                    print("no environments in project \(manager.project.name)")
                    return
                }
                if !force {
                    guard HostFacts.isTerminal(0) else {
                        throw CiloError(.invalidArgument, "refusing to destroy without a terminal to confirm on: add --force")
                    }
                    print("destroy \(names.joined(separator: ", ")) of project \(manager.project.name)? [y/N] ", terminator: "")
                    guard let answer = readLine(), answer.lowercased() == "y" || answer.lowercased() == "yes" else {
                        throw CiloError(.cancelled, "nothing destroyed")
                    }
                }
                for name in names {
                    try await manager.destroy(name, keepWorkspace: keepWorkspace)
                    print("destroyed \(manager.project.name)/\(name)")
                }
            }
        }
    }
}
