import CiloSystem
import Foundation
import SystemPackage

/// What a workspace was when cilo made it, for sources without git: every entry's kind,
/// mode, size, times and inode, and the same of the source's entry (to tell later whether the
/// source changed it too). A diff walks the workspace comparing status only; it reads no
/// file whose status is as recorded.
struct TreeManifest: Sendable {
    /// The status of one entry that matters for telling a change.
    struct Stamp: Equatable, Sendable {
        var kind: UInt8
        var mode: UInt32
        var size: Int64
        var modified: FileTime
        var changed: FileTime
        var inode: UInt64

        init(_ status: FileStatus) {
            kind = Self.code(status.kind)
            mode = status.permissions
            size = status.size
            modified = status.modificationTime
            changed = status.changeTime
            inode = status.inode
        }

        init(kind: UInt8, mode: UInt32, size: Int64, modified: FileTime, changed: FileTime, inode: UInt64) {
            self.kind = kind
            self.mode = mode
            self.size = size
            self.modified = modified
            self.changed = changed
            self.inode = inode
        }

        static func code(_ kind: FileStatus.Kind) -> UInt8 {
            switch kind {
            case .regular: return 1
            case .directory: return 2
            case .symbolicLink: return 3
            default: return 4
            }
        }
    }

    /// By relative path (bytes): the workspace's stamp and the source's (nil when it had none).
    var entries: [[UInt8]: (workspace: Stamp, source: Stamp?)] = [:]

    /// Walks a workspace that is a btrfs snapshot of its source (its clone walked nothing). A
    /// snapshot keeps every entry's inode, size, times and mode, so each stamp is the source's
    /// too and one walk does. (A per-file clone records its manifest as it goes:
    /// `CloneEngine.cloneRecordingManifest`.)
    static func record(snapshot workspace: String) throws(CiloError) -> TreeManifest {
        var manifest = TreeManifest()
        do throws(Errno) {
            try TreeWalk.walk(try PathOpening.openDirectory(BytePath(workspace).bytes)) { entry in
                let stamp = Stamp(entry.status)
                manifest.entries[entry.path] = (stamp, stamp)
                return true
            }
        } catch {
            throw .system(error, "cannot record the workspace", path: workspace)
        }
        return manifest
    }

    /// How a non-directory entry changed between two stamps of it, by status alone: nil when it
    /// did not. A recorded folder where a file is now counts as an addition.
    static func change(from recorded: Stamp?, to now: Stamp) -> ChangeSet.Change.Kind? {
        guard let recorded, recorded.kind != 2 else { return .added }
        if recorded.kind != now.kind { return .typechanged }
        if recorded.size != now.size || recorded.modified != now.modified || recorded.inode != now.inode
            || (recorded.changed != now.changed && recorded.mode == now.mode)
        {
            return .modified
        }
        return recorded.mode != now.mode ? .mode : nil
    }

    /// What differs between the recorded workspace and the workspace now, by status alone.
    func changes(in workspace: String, excluding own: Set<[UInt8]>) throws(CiloError) -> [ChangeSet.Change] {
        var seen = Set<[UInt8]>()
        var changes: [ChangeSet.Change] = []
        do throws(Errno) {
            try TreeWalk.walk(try PathOpening.openDirectory(BytePath(workspace).bytes)) { entry in
                let path = entry.path, status = entry.status
                seen.insert(path)
                guard !own.contains(path), status.kind != .directory else { return true }
                let now = Stamp(status)
                let shown = BytePath(bytes: path).display
                let raw = String(validating: path, as: UTF8.self) == nil ? path : nil
                if let kind = Self.change(from: entries[path]?.workspace, to: now) {
                    changes.append(ChangeSet.Change(path: shown, change: kind, rawPath: raw))
                }
                return true
            }
        } catch {
            throw .system(error, "cannot compare the workspace", path: workspace)
        }
        for (path, stamps) in entries where stamps.workspace.kind != 2 && !seen.contains(path) && !own.contains(path) {
            let raw = String(validating: path, as: UTF8.self) == nil ? path : nil
            changes.append(ChangeSet.Change(path: BytePath(bytes: path).display, change: .deleted, rawPath: raw))
        }
        return changes.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}
