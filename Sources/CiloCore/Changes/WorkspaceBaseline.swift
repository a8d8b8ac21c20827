import CiloSystem

/// What a workspace of a source without git was when cilo made it: a manifest (the clone's
/// walk, or one walk of a snapshot) or, for a btrfs snapshot where cilo runs as root, a
/// read-only base snapshot (`SnapshotBaseline`).
enum WorkspaceBaseline {
    case manifest(TreeManifest)
    case snapshot(SnapshotBaseline)

    /// The baseline kept in `folder`, nil when cilo kept none (an environment from before).
    static func load(from folder: BytePath) throws(CiloError) -> WorkspaceBaseline? {
        if let snapshot = try SnapshotBaseline.existing(in: folder) { return .snapshot(snapshot) }
        return try TreeManifest.load(from: folder).map(WorkspaceBaseline.manifest)
    }

    /// The source's status of `path` when the environment was made.
    func sourceStamp(_ path: [UInt8]) throws(CiloError) -> TreeManifest.Stamp? {
        switch self {
        case .manifest(let manifest): return manifest.entries[path]?.source
        case .snapshot(let snapshot): return try snapshot.sourceStamp(path)
        }
    }

    /// What differs in `workspace` now, cilo's own paths excluded.
    func changes(in workspace: String, excluding own: Set<[UInt8]>) async throws(CiloError) -> [ChangeSet.Change] {
        switch self {
        case .manifest(let manifest):
            return try await WorkerThreads.offload { () throws(CiloError) -> [ChangeSet.Change] in
                try manifest.changes(in: workspace, excluding: own)
            }
        case .snapshot(let snapshot):
            return try await snapshot.changes(in: workspace, excluding: own)
        }
    }
}
