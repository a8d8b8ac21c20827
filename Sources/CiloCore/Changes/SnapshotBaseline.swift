import CiloSystem
import Foundation
import SystemPackage

/// The baseline of a btrfs snapshot workspace of a source without git: a read-only snapshot of
/// the workspace taken right after it was made (`changes/<project>/<env>/base`), instead of a
/// walk. A diff snapshots the workspace again (read-only, for a moment) and asks btrfs what
/// differs: `btrfs send --no-data -p base now` compares the two trees by generation, reading
/// only what changed, and `btrfs receive --dump` names the paths. Each named path is then judged
/// by its status in both snapshots (the rule `TreeManifest` uses), so a snapshot keeps the
/// source's inode, size, times and mode and nothing unchanged is ever reported.
/// Needs root (`btrfs send`) and btrfs-progs; elsewhere the manifest walk serves.
struct SnapshotBaseline {
    /// cilo's folder for the environment; `base` inside it.
    let folder: BytePath

    static let baseName = FileName("base")

    /// Whether this machine can keep a snapshot baseline (root, `btrfs` on PATH).
    static var isAvailable: Bool { ProcessCapabilities.isAdministrator && HostFacts.executableOnPath("btrfs") }

    /// The baseline kept in `folder`, nil when there is none.
    static func existing(in folder: BytePath) throws(CiloError) -> SnapshotBaseline? {
        try status(folder.appending(baseName), []) == nil ? nil : SnapshotBaseline(folder: folder)
    }

    /// Takes the read-only base snapshot of the new `workspace`.
    static func take(of workspace: String, in folder: BytePath, home: CiloHome) async throws(CiloError) -> SnapshotBaseline {
        let directory = try home.makeDirectory(folder)
        defer { directory.closeIgnoringErrors() }
        try await snapshot(workspace, into: folder, name: baseName)
        return SnapshotBaseline(folder: folder)
    }

    private static func snapshot(_ workspace: String, into folder: BytePath, name: FileName) async throws(CiloError) {
        try await WorkerThreads.offload { () throws(CiloError) in
            do throws(Errno) {
                let source = try PathOpening.openDirectory(BytePath(workspace).bytes)
                defer { source.closeIgnoringErrors() }
                let parent = try PathOpening.openDirectory(folder.bytes)
                defer { parent.closeIgnoringErrors() }
                try BtrfsSubvolume.snapshot(source, into: parent, name: name, readOnly: true)
            } catch {
                throw .system(error, "cannot snapshot the workspace for cilo diff", path: workspace)
            }
        }
    }

    /// The source's status of `path` when the environment was made: the base snapshot's.
    func sourceStamp(_ path: [UInt8]) throws(CiloError) -> TreeManifest.Stamp? {
        try Self.status(folder.appending(Self.baseName), path).map(TreeManifest.Stamp.init)
    }

    /// What differs between the base and the workspace now, cilo's own paths excluded.
    func changes(in workspace: String, excluding own: Set<[UInt8]>) async throws(CiloError) -> [ChangeSet.Change] {
        let name = FileName("now-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try await Self.snapshot(workspace, into: folder, name: name)
        let now = folder.appending(name)
        let streamName = FileName(bytes: name.bytes + Array(".stream".utf8))
        let stream = folder.appending(streamName)
        defer {
            // The stream file and the read-only snapshot (deleted as a subvolume, which root may);
            // one that cannot go now is cilo's own and goes with the environment.
            if let parent = try? PathOpening.openDirectory(folder.bytes) {
                try? parent.remove(streamName, directory: false)
                try? BtrfsSubvolume.delete(name, in: parent)
                parent.closeIgnoringErrors()
            }
        }
        let base = folder.appending(Self.baseName)
        let sent = try await ToolRunner.run("btrfs", ["send", "-q", "--no-data", "-p", base.display, "-f", stream.display, now.display])
        guard sent.succeeded else { throw CiloError(.failed, "btrfs send could not compare the workspace with its base: \(sent.tail(2))") }
        let dump = try await ToolRunner.runForBytes("btrfs", ["receive", "--dump", "-f", stream.display])
        guard dump.status == 0 else {
            throw CiloError(.failed, "btrfs receive --dump could not read the comparison: \(dump.error.split(separator: "\n").suffix(2).joined(separator: " | "))")
        }
        let candidates = SendStreamDump.paths(in: dump.output, under: Array(name.bytes))
        return try await WorkerThreads.offload { () throws(CiloError) -> [ChangeSet.Change] in
            try judge(candidates, base: base, now: now, excluding: own)
        }
    }

    /// Each candidate judged by its status in both snapshots; a folder on one side only (made,
    /// removed or renamed) has every entry below it judged too.
    private func judge(_ candidates: Set<[UInt8]>, base: BytePath, now: BytePath, excluding own: Set<[UInt8]>) throws(CiloError) -> [ChangeSet.Change] {
        var pending = Array(candidates)
        var seen = Set<[UInt8]>()
        var changes: [ChangeSet.Change] = []
        while let path = pending.popLast() {
            guard seen.insert(path).inserted, !own.contains(path) else { continue }
            let before = try Self.status(base, path), after = try Self.status(now, path)
            for (side, status, other) in [(base, before, after), (now, after, before)] where status?.kind == .directory {
                if other?.kind != .directory || other?.inode != status?.inode { pending += try Self.entries(below: side, path) }
            }
            let raw = String(validating: path, as: UTF8.self) == nil ? path : nil
            let shown = BytePath(bytes: path).display
            switch (before, after) {
            case (nil, nil): continue  // a name btrfs used for a moment (o<inode>-<gen>-0)
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
    private static func status(_ root: BytePath, _ path: [UInt8]) throws(CiloError) -> FileStatus? {
        do throws(Errno) { return try PathOpening.statusIfPresent(path.isEmpty ? root.bytes : root.bytes + [0x2F] + path) } catch {
            throw .system(error, "cannot read a snapshot's entry", path: root.display + "/" + BytePath(bytes: path).display)
        }
    }

    /// Every path below the folder `path` of `root`.
    private static func entries(below root: BytePath, _ path: [UInt8]) throws(CiloError) -> [[UInt8]] {
        var found: [[UInt8]] = []
        do throws(Errno) {
            try TreeWalk.walk(try PathOpening.openDirectory(root.bytes + [0x2F] + path)) { entry in
                found.append(path + [0x2F] + entry.path)
                return true
            }
        } catch {
            throw .system(error, "cannot read a snapshot's folder", path: root.display + "/" + BytePath(bytes: path).display)
        }
        return found
    }
}
