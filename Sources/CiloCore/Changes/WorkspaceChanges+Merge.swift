import CiloSystem
import Foundation

/// Landing an agent's work in the source repository as a branch.
extension WorkspaceChanges {
    /// What `merge` did.
    public struct MergeOutcome: Codable, Sendable, Equatable {
        public var branch: String
        public var commit: String
        /// The branch's commit before, when it existed (a repeated merge updates it).
        public var previous: String?
        /// Commits the agent made, kept as history.
        public var agentCommits: Int
        /// Whether uncommitted work became one commit on top.
        public var committedUncommitted: Bool
    }

    /// Makes (or updates) branch `cilo/<env>` (or `branch`) in the source repository: the
    /// agent's own commits, then one commit of everything uncommitted, on the commit the
    /// environment was made from. The source's HEAD, index and working tree are not touched;
    /// a branch checked out there is refused.
    public func merge(_ env: String, branch: String? = nil, message: String? = nil) async throws(CiloError) -> MergeOutcome {
        try await withLock(env) { _ throws(CiloError) -> MergeOutcome in try await mergeLocked(env, branch: branch, message: message) }
    }

    private func mergeLocked(_ env: String, branch: String?, message: String?) async throws(CiloError) -> MergeOutcome {
        let (record, base) = try await comparable(env)
        let source = Git(directory: record.source)
        guard try await source.answer(["rev-parse", "--absolute-git-dir"]) != nil else {
            throw CiloError(.unsupported, "the source is not a git repository: cilo merge needs git", path: record.source)
        }
        let name = branch ?? "cilo/\(env)"
        guard try await source.answer(["check-ref-format", "--branch", name]) != nil else {
            throw CiloError(.invalidArgument, "'\(name)' is not a valid branch name")
        }
        let worktrees = try await source.run(["worktree", "list", "--porcelain"])
        if worktrees.split(separator: "\n").contains(Substring("branch refs/heads/\(name)")) {
            throw CiloError(.failed, "branch \(name) is checked out in the source (or one of its worktrees): choose another with --branch")
        }
        // The workspace's repository only through cilo's own git folder: its config is the agent's.
        guard let repository = try await WorkspaceRepository.open(
            record.workspace, in: home.changesDirectory(project: record.project, env: env), home: home)
        else {
            throw CiloError(.notFound, "the workspace of '\(env)' has no git repository any more (its .git is gone)", path: record.workspace)
        }
        let agentHead = try await repository.git().answer(["rev-parse", "--verify", "-q", "HEAD^{commit}"]) ?? base
        let sourceObjects = try await source.run(["rev-parse", "--path-format=absolute", "--git-path", "objects"])
        let temporaryRef = "refs/cilo-merge/\(env)"
        do throws(CiloError) {
            // The agent's commits, into the source's object store (nothing else of the source changes).
            stage("fetching the commits of '\(env)' into the source's object store")
            try await source.run([
                "fetch", "-q", "--no-tags", "--no-write-fetch-head", repository.gitDirectory, "+\(agentHead):\(temporaryRef)",
            ])
            try stopIfCancelled()
            stage("recording the uncommitted work of '\(env)'")
            let tree = try await uncommittedTree(record, repository: repository, parent: agentHead, objects: sourceObjects)
            try stopIfCancelled()
            let parentTree = try await source.run(["rev-parse", "\(agentHead)^{tree}"])
            var commit = agentHead
            if tree != parentTree {
                // The source's own identity; cilo's when it has none.
                let identity = try await source.answer(["config", "user.email"]) != nil ? [:] : [
                    "GIT_AUTHOR_NAME": "cilo", "GIT_AUTHOR_EMAIL": "cilo@localhost", "GIT_COMMITTER_NAME": "cilo",
                    "GIT_COMMITTER_EMAIL": "cilo@localhost",
                ]
                commit = try await Git(directory: record.source, environment: identity)
                    .run(["commit-tree", tree, "-p", agentHead, "-m", message ?? "Work left uncommitted in cilo environment \(env)"])
            }
            let previous = try await source.answer(["rev-parse", "--verify", "-q", "refs/heads/\(name)"])
            // Ctrl-C up to here leaves the source's branches as they were: this is the one step that changes them.
            try stopIfCancelled()
            try await source.run(["update-ref", "-m", "cilo merge \(env)", "refs/heads/\(name)", commit])
            try await source.run(["update-ref", "-d", temporaryRef])
            let count = Int(try await source.run(["rev-list", "--count", "\(base)..\(agentHead)"])) ?? 0
            return MergeOutcome(branch: name, commit: commit, previous: previous, agentCommits: count, committedUncommitted: tree != parentTree)
        } catch {
            var failure = cancellation.isCancelled
                ? CiloError(.cancelled, "merge of '\(env)' cancelled; the source's branches are as they were") : error
            // The temporary ref is cilo's only trace in the source; one that cannot go is named.
            if (try? await source.answer(["update-ref", "-d", temporaryRef])) == nil {
                failure.note = "and the temporary ref \(temporaryRef) is left in the source (git update-ref -d \(temporaryRef) removes it)"
            }
            throw failure
        }
    }

    private func stopIfCancelled() throws(CiloError) {
        if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
    }

    /// The workspace's whole state as a tree in the source's object store (`objects`): every file
    /// hashed into it from the agent's commit's tree, as its bytes, cilo's own files and what
    /// `exclude:` leaves out as the agent committed them.
    private func uncommittedTree(
        _ record: EnvironmentRecord, repository: WorkspaceRepository, parent: String, objects: String
    ) async throws(CiloError) -> String {
        let scratch = try ScratchFiles(home: home)
        defer { scratch.removeAll() }
        let git = repository.git(["GIT_INDEX_FILE": scratch.folder.display + "/index", "GIT_OBJECT_DIRECTORY": objects])
        try await git.run(["read-tree", parent])
        try await git.run(["add", "-A", "--", "."])
        let notTheAgents = notTheAgents(record, excluding: false)
        if !notTheAgents.isEmpty { try await git.run(["reset", "-q", parent, "--"] + notTheAgents) }
        return try await git.run(["write-tree"])
    }
}
