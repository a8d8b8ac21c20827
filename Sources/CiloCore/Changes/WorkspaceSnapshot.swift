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

    /// Snapshots `workspace`; `cilosOwn` are paths cilo rendered or removed (not the agent's).
    static func take(_ workspace: String, head: String, cilosOwn: [String], in scratch: BytePath, home: CiloHome) async throws(CiloError) -> WorkspaceSnapshot {
        let git = Git(directory: workspace)
        let objects = try await absolute(git.run(["rev-parse", "--git-path", "objects"]), in: workspace)
        let index = try await absolute(git.run(["rev-parse", "--git-path", "index"]), in: workspace)
        try home.makeDirectory(scratch).closeIgnoringErrors()
        let scratch = scratch.display
        var environment = [
            "GIT_OBJECT_DIRECTORY": scratch + "/objects", "GIT_ALTERNATE_OBJECT_DIRECTORIES": objects,
            "GIT_INDEX_FILE": scratch + "/index",
        ]
        do {
            try FileManager.default.createDirectory(atPath: scratch + "/objects", withIntermediateDirectories: true)
            // The first time, the workspace's index, when there is one, spares hashing every file again.
            if !FileManager.default.fileExists(atPath: scratch + "/index") && FileManager.default.fileExists(atPath: index) {
                try FileManager.default.copyItem(atPath: index, toPath: scratch + "/index")
            }
        } catch {
            throw CiloError(.failed, "cannot prepare a snapshot of the workspace", path: scratch, cause: ErrorText(error))
        }
        let scratchGit = Git(directory: workspace, environment: environment)
        do throws(CiloError) {
            try await scratchGit.run(["add", "-A", "--ignore-errors", "--", "."])
            if !cilosOwn.isEmpty { try await scratchGit.run(["reset", "-q", head, "--"] + cilosOwn) }
            let tree = try await scratchGit.run(["write-tree"])
            environment["GIT_INDEX_FILE"] = nil
            return WorkspaceSnapshot(workspace: workspace, scratch: scratch, environment: environment, tree: tree)
        } catch {
            // A damaged index of cilo's is dropped; the next diff starts from the workspace's again.
            try? FileManager.default.removeItem(atPath: scratch + "/index")
            throw error
        }
    }

    private static func absolute(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }
}
