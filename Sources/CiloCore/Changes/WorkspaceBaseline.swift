import CiloSystem

/// What a workspace of a source without git was when cilo made it: a manifest (the clone's
/// walk, or one walk of a snapshot) or, for a btrfs snapshot where cilo runs as root, a
/// read-only base snapshot (`SnapshotBaseline`).
enum WorkspaceBaseline {
    case manifest(TreeManifest)
    case snapshot(SnapshotBaseline)
    /// An overlay workspace: its base, and its upper folder naming what the agent touched.
    case overlay(OverlayBaseline)

    /// `record`'s baseline: its overlay base, else the one kept in its changes folder; nil when
    /// cilo kept none (an environment from before). `forPatch`: the source's stamps are needed.
    static func load(_ record: EnvironmentRecord, home: CiloHome, forPatch: Bool) throws(CiloError) -> WorkspaceBaseline? {
        if let base = record.overlayBase {
            return .overlay(try OverlayBaseline(record: record, base: base, home: home, loadingManifest: forPatch))
        }
        return try load(from: home.changesDirectory(project: record.project, env: record.name))
    }

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
        case .overlay(let overlay): return overlay.manifest?.entries[path]?.source
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
        case .overlay(let overlay):
            return try await WorkerThreads.offload { () throws(CiloError) -> [ChangeSet.Change] in
                try overlay.changes(in: workspace, excluding: own)
            }
        }
    }
}
