import CiloSystem
import Foundation

/// The agent's work coming back: what changed in a workspace, and a branch of it in the source.
extension EnvironmentManager {
    /// How `diff` prints.
    public enum DiffFormat: Sendable {
        /// A unified diff as git prints it (binary files marked).
        case patch
        case stat
        case nameOnly
    }

    /// The record of an environment whose workspace can be compared: it exists, and the
    /// environment was made from a git commit.
    func comparable(_ env: String) throws(CiloError) -> (EnvironmentRecord, base: String) {
        let record = try record(env)
        guard FileManager.default.fileExists(atPath: record.workspace) else {
            throw CiloError(.notFound, "the workspace of '\(env)' is gone", path: record.workspace)
        }
        guard let base = record.baseCommit else {
            throw CiloError(.unsupported, "'\(env)' was not made from a git commit (a source without git, or a cilo before diff): cilo diff needs one for now")
        }
        return (record, base)
    }

    /// Paths cilo wrote into the workspace itself (render rules, `.env*` files it left out): not the agent's changes.
    func cilosOwnPaths(_ record: EnvironmentRecord) -> [String] {
        project.config.env.render.map(\.file) + (record.removedEnvFiles ?? [])
    }

    /// What changed in `env`'s workspace since cilo made it, as a change list.
    public func changes(_ env: String, paths: [String] = []) async throws(CiloError) -> ChangeSet {
        let (record, base) = try comparable(env)
        let snapshot = try await WorkspaceSnapshot.take(record.workspace, head: base, cilosOwn: cilosOwnPaths(record), in: home)
        defer { snapshot.discard() }
        let git = Git(directory: record.workspace, environment: snapshot.environment)
        let raw = try await git.bytes(["diff", "--raw", "-z", "-M", "--abbrev=40", base, snapshot.tree, "--"] + pathspec(paths, record))
        return ChangeSet(project: record.project, environment: record.name, base: base, changes: ChangeSet.parseRaw(raw))
    }

    /// Prints what changed in `env`'s workspace as git prints a diff, straight to standard output.
    public func printDiff(_ env: String, format: DiffFormat, paths: [String] = []) async throws(CiloError) {
        let (record, base) = try comparable(env)
        let snapshot = try await WorkspaceSnapshot.take(record.workspace, head: base, cilosOwn: cilosOwnPaths(record), in: home)
        defer { snapshot.discard() }
        let git = Git(directory: record.workspace, environment: snapshot.environment)
        let option: [String]
        switch format {
        case .patch: option = ["--binary", "-M"]
        case .stat: option = ["--stat", "-M"]
        case .nameOnly: option = ["--name-only", "-M"]
        }
        try await git.passingOutput(["diff", "--no-color", "--no-ext-diff"] + option + [base, snapshot.tree, "--"] + pathspec(paths, record))
    }

    private func pathspec(_ paths: [String], _ record: EnvironmentRecord) -> [String] {
        (paths.isEmpty ? ["."] : paths) + cilosOwnPaths(record).map { ":(exclude,literal)\($0)" }
    }
}
