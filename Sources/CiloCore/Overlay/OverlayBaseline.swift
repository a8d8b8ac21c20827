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

    /// The paths a git snapshot of the workspace must look at, read from the upper folder: every
    /// file, link or whiteout in it, and whole every folder the base does not have as a folder or
    /// that overlayfs marks as replaced (opaque) or moved (redirect); nothing else can differ.
    func touchedPaths() throws(CiloError) -> [[UInt8]] {
        var paths: [[UInt8]] = []
        do throws(Errno) {
            // The agent (or its git packing objects) may write while this reads: a path that goes
            // or changes kind meanwhile is still one the agent touched.
            try TreeWalk.walk(try PathOpening.openDirectory(upper.bytes), vanished: { paths.append($0) }) { entry throws(Errno) in
                guard entry.status.kind == .directory else {
                    paths.append(entry.path)
                    return true
                }
                let inBase = try PathOpening.statusIfPresent(tree.bytes + [0x2F] + entry.path)
                let replaced = try Self.isReplaced(entry.name, in: entry.directory)
                if inBase?.kind != .directory || replaced {
                    paths.append(entry.path)
                    return false  // the whole folder is looked at
                }
                return true
            }
        } catch {
            throw .system(error, "cannot read the workspace's upper folder", path: upper.display)
        }
        return paths
    }

    /// Whether overlayfs marks the upper folder `name` as replacing (opaque) or moving (redirect) one below.
    private static func isReplaced(_ name: FileName, in directory: FileDescriptor) throws(Errno) -> Bool {
        let folder = try directory.openDirectory(name)
        defer { folder.closeIgnoringErrors() }
        for attribute in ["trusted.overlay.opaque", "trusted.overlay.redirect"] {
            do throws(Errno) {
                _ = try folder.extendedAttribute(Array(attribute.utf8))
                return true
            } catch .noData {
                continue
            }
        }
        return false
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
