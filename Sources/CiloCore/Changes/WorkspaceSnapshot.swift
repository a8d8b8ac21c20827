import CiloSystem
import Foundation
import SystemPackage

/// The whole state of a workspace as one git tree (committed, uncommitted and untracked
/// files; not ignored ones), written without touching the workspace's repository: objects
/// go to an object folder of cilo's that borrows the workspace's own (alternates), the index
/// is cilo's copy. Both are kept per environment (`$CILO_HOME/changes/<project>/<env>`, gone
/// with it), so a later diff re-reads only the files whose status changed since the last.
/// Files cilo itself wrote are taken as they were committed.
struct WorkspaceSnapshot {
    let workspace: String
    /// cilo's folder for this environment (objects, index, summary).
    let scratch: String
    /// The variables that point git at the scratch index and objects.
    let environment: [String: String]
    /// The tree's id.
    let tree: String
    /// What of the workspace's own git configuration was not run (see `WorkspaceRepository`).
    let ignoredDrivers: [String]

    /// Git over the snapshot's objects, through cilo's git folder over the workspace.
    var git: Git { Git(directory: workspace, environment: environment) }

    /// Snapshots `workspace`; `cilosOwn` are paths cilo rendered or removed (not the agent's).
    /// `touched`: the only paths that can differ from the workspace's first index (an overlay's
    /// upper folder, and what its base held uncommitted), so status looks at those alone.
    /// `leftOut`: `exclude:` patterns; what they match is never hashed and stays as the index has
    /// it (a tracked file the workspace left out is no deletion, an installed `node_modules` no work).
    static func take(
        _ workspace: String, head: String, cilosOwn: [String], leftOut: [String] = [], in scratch: BytePath, home: CiloHome,
        touched: [[UInt8]]? = nil
    ) async throws(CiloError) -> WorkspaceSnapshot {
        let folder = try home.makeDirectory(scratch)
        defer { folder.closeIgnoringErrors() }
        guard let repository = try await WorkspaceRepository.open(workspace, in: scratch, home: home) else {
            throw CiloError(.notFound, "the workspace has no git repository any more (its .git is gone)", path: workspace)
        }
        let paths = [repository.objects, repository.index]
        let scratch = scratch.display
        var environment = repository.viewEnvironment.merging([
            "GIT_OBJECT_DIRECTORY": scratch + "/objects", "GIT_ALTERNATE_OBJECT_DIRECTORIES": paths[0],
            "GIT_INDEX_FILE": scratch + "/index",
        ]) { $1 }
        let known: Bool
        var copied = false
        do throws(Errno) {
            known = try folder.statusIfPresent(of: FileName("index")) != nil
            if try folder.statusIfPresent(of: FileName("objects")) == nil { try folder.makeDirectory(FileName("objects"), mode: 0o700) }
        } catch {
            throw .system(error, "cannot prepare a snapshot of the workspace", path: scratch)
        }
        // The first time, the workspace's index, when there is one, spares hashing every file again.
        if !known { copied = try repository.copyIndex(to: BytePath(scratch + "/index")) }
        // git's full stat check stays on: a clone keeps size and mtime but not inode or ctime, so the
        // first diff reads every file again (as the first `git status` in the workspace does). Trusting
        // size and whole-second mtime instead was 9x faster there, and missed a same-size rewrite made
        // in the second the source file was last written: the tests caught it.
        let git = Git(directory: workspace, environment: environment)
        do throws(CiloError) {
            let lastTree = known ? try keptFile("tree", in: folder, scratch: scratch).map { String(decoding: $0, as: UTF8.self) } : nil
            // Against the last snapshot, or the first time against the workspace's own index: only
            // what status names is added (a full `git add -A` hashed every file a second time: the
            // first diff of the kernel took 6.6 s against 4.5 s for the first `git status`).
            var changed: [[UInt8]]?
            if lastTree != nil || copied {
                let excluded = ExcludeMatcher(patterns: leftOut)
                changed = try await changedSinceLastSnapshot(git, limitedTo: touched, folder: folder, scratch: scratch)
                    .filter { !excluded.excludes(relativePath: $0) }
            }
            let leftOutSpecs = ExcludeMatcher.gitPathspecs(leftOut, magic: "exclude,")
            if let lastTree, let changed, changed.isEmpty && cilosOwn.isEmpty {
                environment["GIT_INDEX_FILE"] = nil
                return WorkspaceSnapshot(
                    workspace: workspace, scratch: scratch, environment: environment, tree: lastTree, ignoredDrivers: repository.ignoredDrivers)
            }
            let options = ["-c", "core.untrackedCache=true", "-c", "index.version=4", "add", "-A", "--ignore-errors"]
            if let changed, !changed.isEmpty {
                let list = scratch + "/changed"
                // Each path literal; a new folder named whole leaves out what `exclude:` matches inside it.
                let specs = changed.map { Array(":(literal)".utf8) + $0 } + leftOutSpecs.map { Array($0.utf8) }
                do throws(Errno) { try AtomicFile.write(specs.joined(separator: [0]) + [0], to: FileName("changed"), in: folder, permissions: 0o600) } catch {
                    throw .system(error, "cannot write the list of changed paths", path: list)
                }
                try await git.run(options + ["--pathspec-from-file=\(list)", "--pathspec-file-nul"])
            } else if changed == nil {
                try await git.run(options + ["--", "."] + leftOutSpecs)
            }
            if !cilosOwn.isEmpty { try await git.run(["reset", "-q", head, "--"] + cilosOwn) }
            let tree = try await git.run(["write-tree"])
            if tree == lastTree {
                // Reported but unchanged: entries git keeps "racy" (written in the second the index
                // was). A refresh writes the index again, so the next diff does not ask again.
                try await git.run(["update-index", "-q", "--refresh"])
            }
            do throws(Errno) { try AtomicFile.write(Array(tree.utf8), to: FileName("tree"), in: folder, permissions: 0o600) } catch {
                throw .system(error, "cannot keep the snapshot's tree", path: scratch)
            }
            environment["GIT_INDEX_FILE"] = nil
            return WorkspaceSnapshot(
                workspace: workspace, scratch: scratch, environment: environment, tree: tree, ignoredDrivers: repository.ignoredDrivers)
        } catch {
            // A damaged index of cilo's is dropped; the next diff starts from the workspace's again.
            var failure = error
            for name in ["index", "tree"] {
                do throws(Errno) { try folder.remove(FileName(name), directory: false) } catch let removal where removal != .noSuchFileOrDirectory {
                    failure.note = "and cilo's \(name) could not be dropped (\(removal)): the next diff may fail the same way"
                } catch {}
            }
            throw failure
        }
    }

    /// What changed since the last snapshot: files whose worktree side differs from cilo's index,
    /// and new files (a new folder as `folder/`, which `git add` takes whole), from one `git status`
    /// on cilo's index. It stats every entry on threads (as the workspace's own `git status` does)
    /// but finds new files through the untracked cache it keeps in cilo's index, so only folders
    /// whose mtime moved are read again (git 2.39 uses that cache with `-unormal` only: 0.12 s
    /// against 0.22 s for the kernel), and writes the refreshed index back, so entries once racy
    /// are not hashed at every diff.
    ///
    /// `touched` (with the paths the last snapshot looked at, kept in `scratch/touched`: a file made
    /// and removed since leaves no trace in an upper folder) limits status to those paths, when
    /// they are few enough to name and all UTF-8; else the whole workspace is looked at.
    private static func changedSinceLastSnapshot(
        _ git: Git, limitedTo touched: [[UInt8]]?, folder: FileDescriptor, scratch: String
    ) async throws(CiloError) -> [[UInt8]] {
        var ownIndex = git
        ownIndex.optionalLocks = true  // GIT_INDEX_FILE is cilo's: status may write it back
        var arguments = [
            "-c", "core.untrackedCache=true", "status", "--porcelain=v2", "-z", "--untracked-files=normal", "--no-renames",
            "--ignore-submodules=all",
        ]
        let list = scratch + "/touched"
        if let touched {
            // A list that cannot be read would hide a path an earlier diff looked at: an error, not an empty list.
            let earlier: [[UInt8]]
            do throws(Errno) { earlier = (try AtomicFile.read(FileName("touched"), in: folder) ?? []).split(separator: 0).map { Array($0) } } catch {
                throw .system(error, "cannot read the list of touched paths", path: list)
            }
            let all = Array(Set(touched + earlier)).sorted { $0.lexicographicallyPrecedes($1) }
            // Kept whole even when too many to name: a later, shorter list still looks at them.
            do throws(Errno) { try AtomicFile.write(all.joined(separator: [0]) + [0], to: FileName("touched"), in: folder, permissions: 0o600) } catch {
                throw .system(error, "cannot keep the list of touched paths", path: list)
            }
            let names = all.compactMap { String(validating: $0, as: UTF8.self) }
            if names.count == all.count && names.count <= 4096 {
                if names.isEmpty { return [] }
                arguments = ["--literal-pathspecs"] + arguments + ["--"] + names
            }
        }
        return changedPaths(inStatus: try await ownIndex.bytes(arguments))
    }

    /// The paths of `git status --porcelain=v2 -z` records that differ in the worktree (`Y` is not
    /// `.`), are unmerged, or are untracked.
    static func changedPaths(inStatus output: [UInt8]) -> [[UInt8]] {
        var paths: [[UInt8]] = []
        for record in output.split(separator: 0, omittingEmptySubsequences: true) {
            guard let kind = record.first else { continue }
            switch kind {
            case UInt8(ascii: "?"):
                paths.append(Array(record.dropFirst(2)))
            case UInt8(ascii: "1"), UInt8(ascii: "u"):
                // "1 XY sub mH mI mW hH hI path" (8 fields before the path); "u" has 10.
                let fields = kind == UInt8(ascii: "1") ? 8 : 10
                let parts = record.split(separator: UInt8(ascii: " "), maxSplits: fields, omittingEmptySubsequences: false)
                guard parts.count == fields + 1, parts[1].count == 2 else { continue }
                if kind == UInt8(ascii: "u") || parts[1].last != UInt8(ascii: ".") { paths.append(Array(parts[fields])) }
            default:
                continue  // "2" (renames) is not asked for; headers and ignored entries do not appear
            }
        }
        return paths
    }

    /// A file cilo kept in the snapshot's folder; nil when there is none.
    private static func keptFile(_ name: String, in folder: FileDescriptor, scratch: String) throws(CiloError) -> [UInt8]? {
        do throws(Errno) { return try AtomicFile.read(FileName(name), in: folder) } catch {
            throw .system(error, "cannot read cilo's snapshot of the workspace", path: scratch + "/" + name)
        }
    }
}
