import CiloSystem
import Foundation
import SystemPackage

/// The whole state of a workspace as one git tree (committed, uncommitted and untracked
/// files; not ignored ones), written without touching the workspace's repository: objects
/// go to a temporary object folder that borrows the workspace's own (alternates), the index
/// is a temporary copy. Files cilo itself wrote are taken as they were committed.
struct WorkspaceSnapshot {
    let workspace: String
    /// The temporary folder (objects, index); the caller removes it with `discard()`.
    let scratch: String
    /// The variables that point git at the scratch index and objects.
    let environment: [String: String]
    /// The tree's id.
    let tree: String

    /// Snapshots `workspace`; `cilosOwn` are paths cilo rendered or removed (not the agent's).
    static func take(_ workspace: String, head: String, cilosOwn: [String], in home: CiloHome) async throws(CiloError) -> WorkspaceSnapshot {
        let git = Git(directory: workspace)
        let objects = try await absolute(git.run(["rev-parse", "--git-path", "objects"]), in: workspace)
        let index = try await absolute(git.run(["rev-parse", "--git-path", "index"]), in: workspace)
        let scratch = try makeScratch(in: home)
        var environment = [
            "GIT_OBJECT_DIRECTORY": scratch + "/objects", "GIT_ALTERNATE_OBJECT_DIRECTORIES": objects,
            "GIT_INDEX_FILE": scratch + "/index",
        ]
        do {
            try FileManager.default.createDirectory(atPath: scratch + "/objects", withIntermediateDirectories: true)
            // The workspace's index, when there is one, spares re-reading every unchanged file.
            if FileManager.default.fileExists(atPath: index) {
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
            try? FileManager.default.removeItem(atPath: scratch)
            throw error
        }
    }

    /// Removes the temporary objects and index.
    func discard() {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private static func absolute(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    private static func makeScratch(in home: CiloHome) throws(CiloError) -> String {
        let parent = home.path("tmp")
        try home.makeDirectory(parent).closeIgnoringErrors()
        let path = parent.display + "/changes-\(UUID().uuidString.prefix(12))"
        do throws(Errno) {
            let folder = try PathOpening.openDirectory(parent.bytes)
            defer { folder.closeIgnoringErrors() }
            try folder.makeDirectory(FileName(String(path.split(separator: "/").last ?? "")), mode: 0o700)
        } catch {
            throw .system(error, "cannot make a scratch folder", path: path)
        }
        return path
    }
}
