import ArgumentParser
import CiloCore

/// `<env>... | --all`: which environments a command acts on.
struct EnvironmentSelection: ParsableArguments {
    @Argument(help: "Environment names.")
    var envs: [String] = []

    @Flag(help: "Every environment of the project.")
    var all = false

    func validate() throws {
        if all == !envs.isEmpty { throw ValidationError("name environments or give --all (not both)") }
    }

    /// The selected names: validated ones, or every environment of the project with `--all`.
    func names(_ manager: EnvironmentManager) async throws(CiloError) -> [String] {
        guard all else { return try environmentNames(envs) }
        let remote = try EngineRegistry(home: manager.home).placements(project: manager.project.name).map(\.env)
        return try await manager.list(allProjects: false).map(\.name) + remote
    }
}
