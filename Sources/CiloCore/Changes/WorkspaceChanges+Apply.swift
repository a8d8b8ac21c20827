import CiloSystem

/// Landing an agent's work in the source's working tree (`cilo merge --apply`).
extension WorkspaceChanges {
    /// What `apply` did.
    public struct ApplyOutcome: Codable, Sendable, Equatable {
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
            let landing = SourceLanding(
                source: source, objects: snapshot.git, base: base, tree: snapshot.tree,
                label: env, home: home)
            return try await landing.land(changes, leavingOut: notTheAgents(record, excluding: true), threeWay: threeWay)
        }
    }
}
