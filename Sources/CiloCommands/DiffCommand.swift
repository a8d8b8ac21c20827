import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo diff <env>`: what the agent changed since cilo made its workspace.
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changed in an environment's workspace since cilo made it: commits, uncommitted and untracked files.",
            discussion: """
                Compared with the commit the environment was made from. Ignored files are left out, and so \
                are files cilo itself rendered into the workspace. Paths after -- narrow it down.
                """)

        @Argument(help: "The environment name.")
        var env: String

        @Flag(help: "A summary per file (git diff --stat).")
        var stat = false

        @Flag(help: "Only the changed paths.")
        var nameOnly = false

        @Flag(help: "Print {project, environment, base, changes: [{path, change, from}]}.")
        var json = false

        @Argument(parsing: .postTerminator, help: "Paths to narrow the diff to.")
        var paths: [String] = []

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if [stat, nameOnly, json].filter({ $0 }).count > 1 { throw ValidationError("choose one of --stat, --name-only and --json") }
        }

        func run() async throws {
            let changes = try await global.perform { () throws(CiloError) -> ChangeSet? in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                if let remote = try RemoteRouting.engine(of: name, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
                if json { return try await manager.changes.changes(name, paths: paths) }
                try await manager.changes.printDiff(name, format: stat ? .stat : nameOnly ? .nameOnly : .patch, paths: paths)
                return nil
            }
            if let changes { print(try JSONOutput.encode(changes)) }
        }
    }
}
