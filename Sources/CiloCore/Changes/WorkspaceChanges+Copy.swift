import CiloSystem
import Foundation
import SystemPackage

/// `cilo merge --apply` for a source without git: the changed files copied back.
extension WorkspaceChanges {
    /// Copies what changed in the workspace into the source. A path the source changed too
    /// since the environment was made (its status differs from the manifest's) refuses the
    /// whole apply, naming every such path; so does a name that is not UTF-8. Each file is
    /// written beside its target and renamed over it, so none is ever half-written.
    func copyWithoutGit(_ record: EnvironmentRecord, threeWay: Bool) async throws(CiloError) -> ApplyOutcome {
        guard let baseline = try WorkspaceBaseline.load(record, home: home, forPatch: true) else {
            throw CiloError(.unsupported, "'\(record.name)' was made by a cilo that kept no record of its workspace: nothing to apply from")
        }
        let changes = try await manifestChanges(record, paths: [])
        guard !changes.isEmpty else { return ApplyOutcome(applied: [], conflicted: []) }
        if let odd = changes.first(where: { $0.rawPath != nil }) {
            throw CiloError(.unsupported, "cannot apply a name that is not UTF-8 to a source without git yet; nothing was written", path: odd.path)
        }
        var conflicts: [String] = []
        for path in changes.map(\.path) {
            let recorded = try baseline.sourceStamp(Array(path.utf8))
            if recorded != (try Self.status(record.source + "/" + path)).map(TreeManifest.Stamp.init) { conflicts.append(path) }
        }
        if !conflicts.isEmpty {
            let how = threeWay ? " (--3way needs git: there is no base version to merge with)" : ""
            throw CiloError(.failed, "the source changed \(conflicts.count == 1 ? "this path" : "these paths") too since the environment was made, "
                + "so nothing was written\(how): \(conflicts.joined(separator: ", "))")
        }
        for change in changes {
            if cancellation.isCancelled { throw CiloError(.cancelled, "apply cancelled after some files; the rest of the source is as it was") }
            try copyBack(change, record)
        }
        return ApplyOutcome(applied: changes.map(\.path), conflicted: [])
    }

    /// The status of `path`, nil when nothing is there; any other failure is an error (a source
    /// file cilo cannot see must not pass for an untouched or missing one).
    static func status(_ path: String) throws(CiloError) -> FileStatus? {
        do throws(Errno) { return try PathOpening.statusIfPresent(BytePath(path).bytes) } catch {
            throw .system(error, "cannot read the source's file", path: path)
        }
    }

    /// One change into the source: a deletion, or the workspace's entry put in place by rename.
    private func copyBack(_ change: ChangeSet.Change, _ record: EnvironmentRecord) throws(CiloError) {
        let target = record.source + "/" + change.path
        let manager = FileManager.default
        do {
            if change.change == .deleted {
                if try Self.status(target) != nil { try manager.removeItem(atPath: target) }
                return
            }
            let parent = (target as NSString).deletingLastPathComponent
            try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
            let staged = parent + "/.cilo-apply-\(UUID().uuidString.prefix(8))"
            try manager.copyItem(atPath: record.workspace + "/" + change.path, toPath: staged)
            if rename(staged, target) != 0 {
                var failure = CiloError.system(Errno(rawValue: errno), "cannot put the file in place", path: target)
                // The staged copy is in the source's tree: one that cannot go is said.
                do { try manager.removeItem(atPath: staged) } catch { failure.note = "its staged copy \(staged) is left: remove it" }
                throw failure
            }
        } catch let error as CiloError {
            throw error
        } catch {
            throw CiloError(.failed, "cannot copy the change back", path: target, cause: ErrorText(error))
        }
    }
}
