import CiloSystem
import Foundation
import SystemPackage

/// Landing an agent's work in the source's working tree (`cilo merge --apply`).
extension EnvironmentManager {
    /// What `apply` did.
    public struct ApplyOutcome: Sendable, Equatable {
        /// Paths written (renames name the new path).
        public var applied: [String]
        /// With `--3way`: paths left with conflict markers.
        public var conflicted: [String]
    }

    /// Applies what changed in `env`'s workspace to the source's working tree (its index and
    /// HEAD stay). A path the source also changed since the base (committed, staged, modified
    /// or untracked) is a conflict: without `threeWay` nothing is written and every such path
    /// is named; with it, the rest is applied and each such path gets git's conflict markers.
    /// The patch goes in with `git apply`, all or nothing.
    public func apply(_ env: String, threeWay: Bool) async throws(CiloError) -> ApplyOutcome {
        try await withLock(env) { _ throws(CiloError) -> ApplyOutcome in
            let unversioned = try await withWorkspace(env)
            if unversioned.baseCommit == nil { return try await copyWithoutGit(unversioned, threeWay: threeWay) }
            let (record, base) = try await comparable(env)
            let source = Git(directory: record.source)
            guard try await source.answer(["rev-parse", "--absolute-git-dir"]) != nil else {
                throw CiloError(.unsupported, "the source is not a git repository: cilo merge --apply needs git for now", path: record.source)
            }
            let snapshot = try await snapshot(record, base: base)
            let changes = try await changes(env, record: record, snapshot: snapshot, base: base)
            guard !changes.isEmpty else { return ApplyOutcome(applied: [], conflicted: []) }
            let touched = Set(changes.flatMap { [$0.path] + ($0.from.map { [$0] } ?? []) })
            let changedInSource = try await sourceChanges(source, since: base)
            let conflicts = touched.intersection(changedInSource).sorted()
            if !conflicts.isEmpty && !threeWay {
                throw CiloError(.failed, "the source changed \(conflicts.count == 1 ? "this path" : "these paths") too since \(base.prefix(12)), "
                    + "so nothing was written (--3way writes conflict markers): \(conflicts.joined(separator: ", "))")
            }
            let workspace = Git(directory: record.workspace, environment: snapshot.environment)
            // Everything that does not conflict goes in as one patch, all or nothing.
            let patch = try await workspace.bytes(
                ["diff", "--binary", "-M", "--no-color", "--no-ext-diff", base, snapshot.tree, "--", "."]
                    + (cilosOwnPaths(record) + conflicts).map { ":(exclude,literal)\($0)" })
            let patchPath = snapshot.scratch + "/apply.patch"
            do { try Data(patch).write(to: URL(fileURLWithPath: patchPath)) } catch {
                throw CiloError(.failed, "cannot write the patch", path: patchPath, cause: ErrorText(error))
            }
            defer { try? FileManager.default.removeItem(atPath: patchPath) }
            if !patch.isEmpty { try await source.run(["apply", "--whitespace=nowarn", patchPath]) }
            // --3way: each path both sides changed gets git's conflict markers (git merge-file).
            var conflicted: [String] = []
            let byPath = Dictionary(changes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            for path in conflicts {
                let merged = try await mergeFile(path, kind: byPath[path]?.change, base: base, tree: snapshot.tree, workspace: workspace,
                                                 source: record.source, env: env, scratch: snapshot.scratch)
                if !merged { conflicted.append(path) }
            }
            return ApplyOutcome(applied: changes.map(\.path), conflicted: conflicted)
        }
    }

    /// Merges one path both sides changed into the source's file, as `git merge-file` does.
    /// - Returns: true when it merged cleanly; false when conflict markers (or, for a delete or
    ///   rename on one side, the source's own file untouched) are left for a person.
    private func mergeFile(
        _ path: String, kind: ChangeSet.Change.Kind?, base: String, tree: String, workspace: Git, source: String, env: String, scratch: String
    ) async throws(CiloError) -> Bool {
        guard kind == .modified || kind == .added, FileManager.default.fileExists(atPath: source + "/" + path) else { return false }
        let ours = try await workspace.bytes(["cat-file", "blob", "\(tree):\(path)"])
        let original = kind == .added ? [] : try await workspace.bytes(["cat-file", "blob", "\(base):\(path)"])
        let basePath = scratch + "/merge-base", agentPath = scratch + "/merge-agent"
        do {
            try Data(original).write(to: URL(fileURLWithPath: basePath))
            try Data(ours).write(to: URL(fileURLWithPath: agentPath))
        } catch {
            throw CiloError(.failed, "cannot write the versions to merge", path: scratch, cause: ErrorText(error))
        }
        defer {
            try? FileManager.default.removeItem(atPath: basePath)
            try? FileManager.default.removeItem(atPath: agentPath)
        }
        let result = try await ToolRunner.run(
            "git", ["merge-file", "-L", "source", "-L", "base", "-L", env, source + "/" + path, basePath, agentPath])
        guard result.status >= 0 && result.status < 128 else { throw CiloError(.failed, "git merge-file failed: \(result.tail(1))", path: path) }
        return result.status == 0
    }

    /// Paths the source changed since `base`: in commits, staged, in its working tree, or new and not ignored.
    private func sourceChanges(_ source: Git, since base: String) async throws(CiloError) -> Set<String> {
        let tracked = try await source.bytes(["diff", "--name-only", "-z", "--no-renames", base])
        let untracked = try await source.bytes(["ls-files", "--others", "--exclude-standard", "-z"])
        return Set((tracked + untracked).split(separator: 0).map { BytePath(bytes: Array($0)).display })
    }
}
