import CiloSystem
import Foundation
import SystemPackage

/// A read-only clone of a project shared by every overlay workspace made from the same project
/// state: `$CILO_HOME/bases/<project>/<id>/` holds the clone (`tree`), the clone's manifest
/// (what `cilo diff` compares with) and `base.json`, written last, so a base without it is one
/// whose making was interrupted.
struct OverlayBase: Codable, Sendable, Equatable {
    var id: String
    /// The folder it was cloned from, and the exclusions it was cloned with.
    var source: String
    var excludes: [String]
    /// The source as the clone recorded it: reused only while the source still matches.
    var fingerprint: SourceFingerprint
    var createdAt: String
    /// How the clone was made (`reflink`, `copy-range`, ...) and what it took.
    var strategy: String
    var seconds: Double
    var files: Int?
    var bytes: Int?

    static let infoName = FileName("base.json")
    static let treeName = FileName("tree")

    /// The folder of base `id` of `project`.
    static func folder(_ id: String, project: String, home: CiloHome) -> BytePath { home.path("bases", project, id) }

    /// The clone every workspace on base `id` sees below its own writes.
    static func tree(_ id: String, project: String, home: CiloHome) -> BytePath {
        folder(id, project: project, home: home).appending(treeName)
    }

    /// Whether base `id`'s tree is there (a base deleted by hand is not); any other failure to tell throws.
    static func hasTree(_ id: String, project: String, home: CiloHome) throws(CiloError) -> Bool {
        let path = tree(id, project: project, home: home)
        do throws(Errno) { return try PathOpening.statusIfPresent(path.bytes) != nil } catch {
            throw .system(error, "cannot read the overlay base", path: path.display)
        }
    }

    /// The finished bases of `project` (newest first) and the ids of folders without `base.json`.
    static func all(project: String, home: CiloHome) throws(CiloError) -> (bases: [OverlayBase], unfinished: [String]) {
        var ids: [String] = []
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(home.path("bases", project).bytes)
            defer { directory.closeIgnoringErrors() }
            try DirectoryReader(directory: directory).forEachEntry { name, _ in
                ids.append(name.displayString)
                return true
            }
        } catch .noSuchFileOrDirectory {
            return ([], [])
        } catch {
            throw .system(error, "cannot list the overlay bases", path: home.path("bases", project).display)
        }
        var bases: [OverlayBase] = [], unfinished: [String] = []
        for id in ids {
            if let base = FigureFile.load(OverlayBase.self, infoName, in: folder(id, project: project, home: home)) {
                bases.append(base)
            } else {
                unfinished.append(id)
            }
        }
        return (bases.sorted { $0.createdAt > $1.createdAt || ($0.createdAt == $1.createdAt && $0.id > $1.id) }, unfinished)
    }

    /// What the base's tree holds that its index does not (the source's uncommitted and untracked
    /// files when it was cloned), as `git status` names them; asked once, kept in `uncommitted`.
    static func uncommittedPaths(_ id: String, project: String, home: CiloHome) async throws(CiloError) -> [[UInt8]] {
        let folder = self.folder(id, project: project, home: home)
        let kept = folder.appending(FileName("uncommitted"))
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            if let bytes = try AtomicFile.read(FileName("uncommitted"), in: directory) { return bytes.split(separator: 0).map { Array($0) } }
        } catch {
            throw .system(error, "cannot read the base's uncommitted paths", path: kept.display)
        }
        // The base is never written: status may not refresh its index (GIT_OPTIONAL_LOCKS=0).
        let output = try await Git(directory: tree(id, project: project, home: home).display).bytes([
            "status", "--porcelain=v2", "-z", "--untracked-files=normal", "--no-renames", "--ignore-submodules=all",
        ])
        let paths = WorkspaceSnapshot.changedPaths(inStatus: output)
        let directory = try home.makeDirectory(folder)
        defer { directory.closeIgnoringErrors() }
        do throws(Errno) { try AtomicFile.write(paths.joined(separator: [0]) + [0], to: FileName("uncommitted"), in: directory, permissions: 0o600) } catch {
            throw .system(error, "cannot keep the base's uncommitted paths", path: kept.display)
        }
        return paths
    }

    /// A new id: the time and a random part, so ids sort by age and never repeat.
    static func newID(now: Date = Date()) -> String {
        let milliseconds = UInt64(now.timeIntervalSince1970 * 1000)
        return String(milliseconds, radix: 16) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    /// Whether an overlay mounted now (by cilo or by hand, of a record lost since) has base
    /// `id` of `project` as its lower folder: then it is never removed, whatever the records say.
    static func isMounted(_ id: String, project: String, home: CiloHome) -> Bool {
        // Read to its end by cilo's own loop (with Docker's mounts the table is long), as bytes;
        // one that cannot be read whole counts as mounted: a base is never removed on a doubt.
        let limit = 64 << 20
        guard let table = HostFacts.readSmallFile("/proc/self/mountinfo", limit: limit), table.count < limit else { return true }
        // mountinfo's options escape space, tab, newline, backslash and comma as octal (overlayfs's show_options).
        var escaped: [UInt8] = []
        for byte in tree(id, project: project, home: home).bytes {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x5C, 0x2C: escaped += Array("\\\(String(byte, radix: 8).leftPadded(to: 3))".utf8)
            default: escaped.append(byte)
            }
        }
        let overlay = Array(" - overlay ".utf8)
        return table.split(separator: 0x0A).contains { line in
            guard line.firstRange(of: overlay) != nil else { return false }
            return ["lowerdir+=", "lowerdir="].contains { key in
                let needle = Array(key.utf8) + escaped
                guard let found = line.firstRange(of: needle) else { return false }
                // The whole path: followed by the next option, the next layer or the end of the line.
                return found.upperBound == line.endIndex || [0x2C, 0x3A].contains(line[found.upperBound])
            }
        }
    }

    /// Removes base `id`'s folder (the caller holds the bases lock and knows no record names it),
    /// unless an overlay mounted now uses it.
    static func remove(_ id: String, project: String, home: CiloHome) throws(CiloError) {
        if isMounted(id, project: project, home: home) { return }
        do throws(Errno) { try home.removeFolder(id, in: home.path("bases", project)) } catch {
            throw .system(error, "cannot remove the overlay base", path: folder(id, project: project, home: home).display)
        }
    }
}
