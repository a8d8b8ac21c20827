import CiloSystem
import Foundation

/// Printing the changes of a workspace made from a source without git.
extension WorkspaceChanges {
    /// Prints `changes` as names, a summary per file, or a unified diff of each file against
    /// the source's (`git diff --no-index`; binary files marked). A source file changed since the
    /// environment was made is said to be shown as it is now.
    func printManifestDiff(_ record: EnvironmentRecord, format: DiffFormat, changes: [ChangeSet.Change]) async throws(CiloError) {
        switch format {
        case .nameOnly:
            for change in changes { print(change.path) }
        case .stat:
            for change in changes { print(" \(change.path) | \(change.change.rawValue)") }
            print(" \(changes.count) file\(changes.count == 1 ? "" : "s") changed")
        case .patch:
            let baseline = try WorkspaceBaseline.load(record, home: home, forPatch: true)
            for change in changes {
                let relative = change.path
                guard change.rawPath == nil else {
                    print("# \(relative): \(change.change.rawValue); a name that is not UTF-8, its content is not shown")
                    continue
                }
                let sourcePath = record.source + "/" + relative, workspacePath = record.workspace + "/" + relative
                let recorded = try baseline?.sourceStamp(Array(relative.utf8))
                let current = try Self.status(sourcePath)
                if let recorded, let current, TreeManifest.Stamp(current) != recorded {
                    print("# \(relative): the source changed it too since the environment was made; shown against the source as it is now")
                }
                let old = change.change == .added || current == nil ? "/dev/null" : sourcePath
                let new = change.change == .deleted ? "/dev/null" : workspacePath
                // Flush what cilo printed before git writes to the same output.
                fflush(nil)
                // Run outside the workspace: a repository the agent made there (its config, attributes
                // and textconv drivers) is never the one git reads.
                let result = try await ToolRunner.runPassingOutput(
                    "git", Git.hardening + ["diff", "--no-index", "--no-color", "--no-ext-diff", "--no-textconv", "--", old, new],
                    workingDirectory: "/", environment: ["GIT_CEILING_DIRECTORIES": "/"])
                guard result.status <= 1 else { throw CiloError(.failed, "git diff --no-index failed: \(result.error)", path: relative) }
            }
        }
    }
}
