import CiloSystem
import SystemPackage

/// What an overlay workspace is compared with: its base's tree. The upper folder names every
/// path the agent touched (written, made, removed as a whiteout, renamed or emptied folders),
/// so a diff reads the upper folder and judges those paths in the base and in the workspace:
/// its cost follows what the agent wrote, not the size of the project.
struct OverlayBaseline: Sendable {
    let tree: BytePath
    let upper: BytePath
    /// The base clone's manifest (the source's stamps), loaded only to print a patch.
    var manifest: TreeManifest?

    init(record: EnvironmentRecord, base: String, home: CiloHome, loadingManifest: Bool) throws(CiloError) {
        tree = OverlayBase.tree(base, project: record.project, home: home)
        upper = OverlayWorkspace(home: home, project: record.project, env: record.name).upper
        manifest = loadingManifest ? try TreeManifest.load(from: OverlayBase.folder(base, project: record.project, home: home)) : nil
    }

    /// What differs between the base and the workspace now, cilo's own paths excluded.
    func changes(in workspace: String, excluding own: Set<[UInt8]>) throws(CiloError) -> [ChangeSet.Change] {
        var candidates = Set<[UInt8]>()
        do throws(Errno) {
            try TreeWalk.walk(try PathOpening.openDirectory(upper.bytes)) { entry in
                candidates.insert(entry.path)
                return true
            }
        } catch {
            throw .system(error, "cannot read the workspace's upper folder", path: upper.display)
        }
        return try TreeComparison.judge(candidates, before: tree, after: BytePath(workspace), excluding: own)
    }
}
