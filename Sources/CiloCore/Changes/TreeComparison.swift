import CiloSystem
import SystemPackage

/// Comparing two trees at the paths a cheaper source named (a btrfs send stream, an overlay's
/// upper folder): each path judged by its status on both sides, with `TreeManifest`'s rule.
enum TreeComparison {
    /// Each candidate judged by its status in both trees; a folder on one side only (made,
    /// removed or renamed, or another folder now: another inode) has every entry below it judged too.
    static func judge(_ candidates: Set<[UInt8]>, before base: BytePath, after now: BytePath, excluding own: Set<[UInt8]>) throws(CiloError) -> [ChangeSet.Change] {
        var pending = Array(candidates)
        var seen = Set<[UInt8]>()
        var changes: [ChangeSet.Change] = []
        while let path = pending.popLast() {
            guard seen.insert(path).inserted, !own.contains(path) else { continue }
            let before = try status(base, path), after = try status(now, path)
            for (side, status, other) in [(base, before, after), (now, after, before)] where status?.kind == .directory {
                if other?.kind != .directory || other?.inode != status?.inode { pending += try entries(below: side, path) }
            }
            let raw = String(validating: path, as: UTF8.self) == nil ? path : nil
            let shown = BytePath(bytes: path).display
            switch (before, after) {
            case (nil, nil): continue  // a name that was there for a moment only (btrfs's o<inode>-<gen>-0)
            case (let old?, nil):
                if old.kind != .directory { changes.append(ChangeSet.Change(path: shown, change: .deleted, rawPath: raw)) }
            case (let old, let new?):
                guard new.kind != .directory, let kind = TreeManifest.change(from: old.map(TreeManifest.Stamp.init), to: TreeManifest.Stamp(new))
                else {
                    if let old, old.kind != .directory, new.kind == .directory {
                        changes.append(ChangeSet.Change(path: shown, change: .deleted, rawPath: raw))
                    }
                    continue
                }
                changes.append(ChangeSet.Change(path: shown, change: kind, rawPath: raw))
            }
        }
        return changes.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// The status of `path` below `root` (`root` itself for an empty path), nil when absent.
    static func status(_ root: BytePath, _ path: [UInt8]) throws(CiloError) -> FileStatus? {
        do throws(Errno) { return try PathOpening.statusIfPresent(path.isEmpty ? root.bytes : root.bytes + [0x2F] + path) } catch {
            throw .system(error, "cannot read an entry to compare", path: root.display + "/" + BytePath(bytes: path).display)
        }
    }

    /// Every path below the folder `path` of `root`.
    static func entries(below root: BytePath, _ path: [UInt8]) throws(CiloError) -> [[UInt8]] {
        var found: [[UInt8]] = []
        do throws(Errno) {
            try TreeWalk.walk(try PathOpening.openDirectory(root.bytes + [0x2F] + path)) { entry in
                found.append(path + [0x2F] + entry.path)
                return true
            }
        } catch {
            throw .system(error, "cannot read a folder to compare", path: root.display + "/" + BytePath(bytes: path).display)
        }
        return found
    }
}
