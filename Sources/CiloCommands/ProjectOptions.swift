import ArgumentParser
import CiloCore
import CiloSystem
import Foundation

/// `--project`, and turning it into an `EnvironmentManager`.
struct ProjectOptions: ParsableArguments {
    @Option(help: "The project (default: `project:` in .cilo/config.yml, else the git top level's or the folder's name).")
    var project: String?

    /// The manager of the project for the current folder (or `directory`); prints a notice when
    /// the name was normalised. `explaining` (`--verbose`): the reasons behind its choices too.
    func manager(from directory: String? = nil, explaining: Bool = false) throws(CiloError) -> EnvironmentManager {
        let resolved = try Project.resolve(explicit: project, from: directory ?? FileManager.default.currentDirectoryPath)
        if let notice = resolved.notice { HostFacts.writeToStandardError("cilo: \(notice)\n") }
        var manager = EnvironmentManager(project: resolved)
        if explaining { manager.explain = { HostFacts.writeToStandardError("cilo: \($0)\n") } }
        // The steps of long work, one line each, for a program reading cilo's standard error (`cilo mcp`).
        if HostFacts.environment("CILO_PROGRESS") == "lines" { manager.stage = { HostFacts.writeToStandardError("cilo: step: \($0)\n") } }
        return manager
    }
}

extension GlobalOptions {
    /// Runs `body`, turning a `CiloError` into its one-line message and a failing exit code.
    func perform<Result>(_ body: () async throws(CiloError) -> Result) async throws -> Result {
        do throws(CiloError) {
            return try await body()
        } catch {
            throw report(error)
        }
    }
}

/// Validates and normalises environment names given on the command line.
func environmentNames(_ raw: [String]) throws(CiloError) -> [String] {
    var names: [String] = []
    for name in raw { names.append(try NameRules.environmentName(name)) }
    return names
}
