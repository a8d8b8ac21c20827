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

    /// The read-only snapshot of the workspace as it was made.
    var base: BytePath { folder.appending(Self.baseName) }

    /// Whether this machine can keep a snapshot baseline (root, `btrfs` on PATH).
    static var isAvailable: Bool { ProcessCapabilities.isAdministrator && HostFacts.executableOnPath("btrfs") }

    /// The baseline kept in `folder`, nil when there is none.
    static func existing(in folder: BytePath) throws(CiloError) -> SnapshotBaseline? {
        try TreeComparison.status(folder.appending(baseName), []) == nil ? nil : SnapshotBaseline(folder: folder)
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
        try TreeComparison.status(folder.appending(Self.baseName), path).map(TreeManifest.Stamp.init)
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
            try TreeComparison.judge(candidates, before: base, after: now, excluding: own)
        }
    }
}
