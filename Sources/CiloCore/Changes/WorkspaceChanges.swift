import CiloSystem
import Foundation

/// What an agent changed in its workspace, and bringing it back: `cilo diff`, `merge` and
/// `merge --apply`. Every git call goes through cilo's own view of the workspace's repository
/// (`WorkspaceRepository`): nothing of the workspace's git configuration runs.
public struct WorkspaceChanges: EnvironmentCapability {
    public let context: EnvironmentContext

    /// How `diff` prints.
    public enum DiffFormat: Sendable {
        /// A unified diff as git prints it (binary files marked).
        case patch
        case stat
        case nameOnly
    }

    /// The record of an environment whose workspace exists (an overlay one mounted again if a
    /// restart unmounted it).
    func withWorkspace(_ env: String) async throws(CiloError) -> EnvironmentRecord {
        let record = try record(env)
        try await Workspaces(context: context).mount(record)
        guard FileManager.default.fileExists(atPath: record.workspace) else {
            throw CiloError(.notFound, "the workspace of '\(env)' is gone", path: record.workspace)
        }
        return record
    }

    /// The record of an environment made from a git commit, and that commit (`merge` needs git).
    func comparable(_ env: String) async throws(CiloError) -> (EnvironmentRecord, base: String) {
        let record = try await withWorkspace(env)
        guard let base = record.baseCommit else {
            throw CiloError(.unsupported, "'\(env)' was not made from a git repository: cilo merge needs git (cilo diff works without)")
        }
        return (record, base)
    }

    /// A source without git: the manifest cilo wrote at create, and what differs from it now.
    func manifestChanges(_ record: EnvironmentRecord, paths: [String]) async throws(CiloError) -> [ChangeSet.Change] {
        guard let baseline = try WorkspaceBaseline.load(record, home: home, forPatch: false) else {
            throw CiloError(.unsupported, "'\(record.name)' was made by a cilo that kept no record of its workspace: cilo diff cannot tell what changed")
        }
        let own = Set(cilosOwnPaths(record).map { Array($0.utf8) })
        let workspace = record.workspace
        let leftOut = ExcludeMatcher(patterns: project.excludes)
        let all = try await baseline.changes(in: workspace, excluding: own).filter { !leftOut.excludes(relativePath: $0.rawPath ?? Array($0.path.utf8)) }
        guard !paths.isEmpty else {
            do throws(CiloError) { try ChangesSummary.keep(all, of: nil, home: home, project: record.project, env: record.name) } catch {
                warn("the change count of \(record.name) was not kept: \(error.description)")
            }
            return all
        }
        let prefixes = paths.map { ComposePaths.normalized("/" + $0).dropFirst() }
        return all.filter { change in prefixes.contains { $0.isEmpty || change.path == $0 || change.path.hasPrefix($0 + "/") } }
    }

    /// Paths cilo wrote into the workspace itself (render rules, `.env*` files it left out): not the agent's changes.
    func cilosOwnPaths(_ record: EnvironmentRecord) -> [String] {
        project.config.env.render.map(\.file) + (record.removedEnvFiles ?? [])
    }

    /// Git pathspecs of everything that is not the agent's work: cilo's own paths, and what
    /// `exclude:` keeps out of workspaces (a tracked file left out is not one the agent deleted,
    /// and a `node_modules` it installed is not work to bring back). `excluding`: as pathspecs
    /// that leave them out.
    func notTheAgents(_ record: EnvironmentRecord, excluding: Bool) -> [String] {
        let magic = excluding ? "exclude," : ""
        return cilosOwnPaths(record).map { ":(\(magic)literal)\($0)" } + ExcludeMatcher.gitPathspecs(project.excludes, magic: magic)
    }

    /// What changed in `env`'s workspace since cilo made it, as a change list (its count is
    /// kept for `cilo list`). Under the environment's lock: cilo's index is one per environment.
    public func changes(_ env: String, paths: [String] = []) async throws(CiloError) -> ChangeSet {
        try await withLock(env) { _ throws(CiloError) -> ChangeSet in
            let record = try await withWorkspace(env)
            guard let base = record.baseCommit else {
                return ChangeSet(project: record.project, environment: record.name, base: "manifest of \(record.createdAt)",
                                 changes: try await manifestChanges(record, paths: paths))
            }
            let snapshot = try await snapshot(record, base: base)
            return ChangeSet(
                project: record.project, environment: record.name, base: base,
                changes: try await changes(env, record: record, snapshot: snapshot, base: base, paths: paths))
        }
    }

    /// Prints what changed in `env`'s workspace as git prints a diff, straight to standard output.
    public func printDiff(_ env: String, format: DiffFormat, paths: [String] = []) async throws(CiloError) {
        try await withLock(env) { _ throws(CiloError) in
            let record = try await withWorkspace(env)
            guard let base = record.baseCommit else {
                try await printManifestDiff(record, format: format, changes: try await manifestChanges(record, paths: paths))
                return
            }
            let snapshot = try await snapshot(record, base: base)
            // The count for `cilo list` is current already when nothing changed since the last diff.
            let counted = paths.isEmpty && ChangesSummary.load(home: home, project: record.project, env: env)?.tree == snapshot.tree
            if !counted { _ = try await changes(env, record: record, snapshot: snapshot, base: base, paths: paths) }
            let option: [String]
            switch format {
            // Binary files are marked ("Binary files ... differ"), not spelt out: one may be huge.
            case .patch: option = ["-M"]
            case .stat: option = ["--stat", "-M"]
            case .nameOnly: option = ["--name-only", "-M"]
            }
            let git = snapshot.git
            try await git.passingOutput(["diff", "--no-color", "--no-ext-diff", "--no-textconv"] + option + [base, snapshot.tree, "--"] + pathspec(paths, record))
        }
    }

    func snapshot(_ record: EnvironmentRecord, base: String) async throws(CiloError) -> WorkspaceSnapshot {
        // An overlay: only what its upper folder holds (and its base held uncommitted) can differ.
        var touched: [[UInt8]]?
        if let overlayBase = record.overlayBase {
            let baseline = try OverlayBaseline(record: record, base: overlayBase, home: home, loadingManifest: false)
            let upper = try await WorkerThreads.offload { () throws(CiloError) -> [[UInt8]] in try baseline.touchedPaths() }
            touched = upper + (try await OverlayBase.uncommittedPaths(overlayBase, project: record.project, home: home))
        }
        let snapshot = try await WorkspaceSnapshot.take(
            record.workspace, head: base, cilosOwn: cilosOwnPaths(record), leftOut: project.excludes,
            in: home.changesDirectory(project: record.project, env: record.name), home: home, touched: touched)
        if !snapshot.ignoredDrivers.isEmpty {
            warn("the workspace's .git/config sets \(snapshot.ignoredDrivers.joined(separator: ", ")): cilo runs none of it "
                + "(it is the agent's) and compares files as their bytes")
        }
        return snapshot
    }

    /// The changes between `base` and the snapshot; the whole workspace's count is kept for `cilo list`.
    func changes(
        _ env: String, record: EnvironmentRecord, snapshot: WorkspaceSnapshot, base: String, paths: [String] = []
    ) async throws(CiloError) -> [ChangeSet.Change] {
        let git = snapshot.git
        let raw = try await git.bytes(["diff", "--raw", "-z", "-M", "--no-textconv", "--abbrev=40", base, snapshot.tree, "--"] + pathspec(paths, record))
        let changes = ChangeSet.parseRaw(raw)
        if paths.isEmpty {
            // A count that cannot be kept costs `list` its column, not the diff.
            do throws(CiloError) { try ChangesSummary.keep(changes, of: snapshot.tree, home: home, project: record.project, env: record.name) } catch {
                warn("the change count of \(record.name) was not kept: \(error.description)")
            }
        }
        return changes
    }

    private func pathspec(_ paths: [String], _ record: EnvironmentRecord) -> [String] {
        (paths.isEmpty ? ["."] : paths) + notTheAgents(record, excluding: true)
    }
}
