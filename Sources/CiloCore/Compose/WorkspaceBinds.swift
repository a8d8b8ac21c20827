import CiloSystem
import SystemPackage
import Yams

/// The parts of a workspace an environment's services can write: the sources of their
/// writable bind mounts inside it, from the rendered compose file. A fork or checkpoint copies
/// the rest of the workspace before freezing the services (only the agent writes it, and it is
/// not frozen anyway) and these parts, with the volumes, while they are frozen.
enum WorkspaceBinds {
    /// The folders, relative to `workspace`, that services of `composeFile` mount writable; a
    /// file mounted counts as its folder. Nil when the workspace itself is one (or the file
    /// cannot be read): then all of it is copied frozen.
    static func writableFolders(composeFile: String, workspace: String) -> [String]? {
        // A rendered file that cannot be read any more: the whole workspace copied frozen, which is always right.
        guard let bytes = try? PathOpening.readSmallRegularFile(BytePath(composeFile).bytes, limit: 16 << 20),
            let model = try? Yams.compose(yaml: String(decoding: bytes, as: UTF8.self))
        else { return nil }
        var folders = Set<String>()
        for (_, service) in model.mapping?["services"]?.mapping ?? [:] {
            for volume in service.mapping?["volumes"]?.sequence.map(Array.init) ?? [] {
                guard let (source, readOnly) = bind(volume), !readOnly else { continue }
                guard source == workspace || source.hasPrefix(workspace + "/") else { continue }
                let relative = String(source.dropFirst(workspace.count)).split(separator: "/").map(String.init)
                if relative.isEmpty || relative.contains("..") { return nil }
                var status: FileStatus?
                do throws(Errno) { status = try PathOpening.statusIfPresent(BytePath(source).bytes) } catch { return nil }
                // A file (or what is not there yet, which Docker makes a folder) mounted alone: its folder.
                let folder = status?.kind == .directory ? relative : Array(relative.dropLast())
                if folder.isEmpty { return nil }
                folders.insert(folder.joined(separator: "/"))
            }
        }
        // A folder inside another listed one is copied with it.
        return folders.sorted().filter { folder in !folders.contains { folder.hasPrefix($0 + "/") } }
    }

    /// The host side of a bind mount and whether it is read-only; nil for a named or anonymous volume.
    private static func bind(_ volume: Node) -> (source: String, readOnly: Bool)? {
        if let mapping = volume.mapping {
            guard mapping["type"]?.string == "bind", let source = mapping["source"]?.string else { return nil }
            return (source, mapping["read_only"]?.bool == true)
        }
        guard let text = volume.string, text.hasPrefix("/") else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return nil }
        let modes = parts.count > 2 ? parts[2].split(separator: ",").map(String.init) : []
        return (parts[0], modes.contains("ro"))
    }
}
