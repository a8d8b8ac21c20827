import CiloSystem
import SystemPackage

/// Writes the changes between two commits into a source's working tree, the part of
/// `cilo merge --apply` shared by environments on this machine and on engines. Its index and
/// HEAD stay. A path the source also changed since the base (committed, staged, modified or
/// untracked) is a conflict: without `threeWay` nothing is written and every such path is named;
/// with it, the rest is applied and each such path gets git's conflict markers.
struct SourceLanding {
    /// The source's repository.
    let source: Git
    /// Where the objects of `base` and `tree` are (the workspace's snapshot, or the source itself).
    let objects: Git
    /// The commit the environment was made from.
    let base: String
    /// The tree (or commit) holding the environment's state.
    let tree: String
    /// The environment's name, the label of its side in conflict markers.
    let label: String
    /// Where the patch and the versions to merge are written for a moment.
    let home: CiloHome

    /// Lands `changes` (what differs from `base` to `tree`, with `leftOut`'s paths left out:
    /// pathspecs with `exclude` magic). The patch goes in with `git apply`, all or nothing.
    func land(
        _ changes: [ChangeSet.Change], leavingOut leftOut: [String], threeWay: Bool
    ) async throws(CiloError) -> WorkspaceChanges.ApplyOutcome {
        guard !changes.isEmpty else { return .init(applied: [], conflicted: []) }
        let touched = Set(changes.flatMap { [$0.path] + ($0.from.map { [$0] } ?? []) })
        let conflicts = touched.intersection(try await sourceChanges()).sorted()
        if !conflicts.isEmpty && !threeWay {
            throw CiloError(.failed, "the source changed \(conflicts.count == 1 ? "this path" : "these paths") too since \(base.prefix(12)), "
                + "so nothing was written (--3way writes conflict markers): \(conflicts.joined(separator: ", "))")
        }
        let scratch = try ScratchFiles(home: home)
        defer { scratch.removeAll() }
        // Everything that does not conflict goes in as one patch, all or nothing.
        let patch = try await objects.bytes(
            ["diff", "--binary", "-M", "--no-color", "--no-ext-diff", "--no-textconv", base, tree, "--", "."]
                + leftOut + conflicts.map { ":(exclude,literal)\($0)" })
        if !patch.isEmpty { try await source.run(["apply", "--whitespace=nowarn", try scratch.write(patch, named: "apply.patch")]) }
        // --3way: each path both sides changed gets git's conflict markers (git merge-file).
        var conflicted: [String] = []
        let byPath = Dictionary(changes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, path) in conflicts.enumerated() {
            if try await !mergeFile(path, kind: byPath[path]?.change, scratch: scratch, number: index) { conflicted.append(path) }
        }
        return .init(applied: changes.map(\.path), conflicted: conflicted)
    }

    /// Merges one path both sides changed into the source's file, as `git merge-file` does.
    /// - Returns: true when it merged cleanly; false when conflict markers (or, for a delete or
    ///   rename on one side, the source's own file untouched) are left for a person.
    /// `number`: this path's place among the conflicts, naming its files in `scratch`.
    private func mergeFile(_ path: String, kind: ChangeSet.Change.Kind?, scratch: ScratchFiles, number: Int) async throws(CiloError) -> Bool {
        let target = source.directory + "/" + path
        guard kind == .modified || kind == .added else { return false }
        do throws(Errno) {
            guard try PathOpening.statusIfPresent(BytePath(target).bytes) != nil else { return false }
        } catch {
            throw .system(error, "cannot look at the source's file", path: target)
        }
        let ours = try await objects.bytes(["cat-file", "blob", "\(tree):\(path)"])
        let original = kind == .added ? [] : try await objects.bytes(["cat-file", "blob", "\(base):\(path)"])
        let basePath = try scratch.write(original, named: "base-\(number)"), agentPath = try scratch.write(ours, named: "agent-\(number)")
        let result = try await source.result(["merge-file", "-L", "source", "-L", "base", "-L", label, target, basePath, agentPath])
        guard result.status >= 0 && result.status < 128 else { throw CiloError(.failed, "git merge-file failed: \(result.tail(1))", path: path) }
        return result.status == 0
    }

    /// Paths the source changed since `base`: in commits, staged, in its working tree, or new and not ignored.
    private func sourceChanges() async throws(CiloError) -> Set<String> {
        let tracked = try await source.bytes(["diff", "--name-only", "-z", "--no-renames", base])
        let untracked = try await source.bytes(["ls-files", "--others", "--exclude-standard", "-z"])
        return Set((tracked + untracked).split(separator: 0).map { BytePath(bytes: Array($0)).display })
    }
}
