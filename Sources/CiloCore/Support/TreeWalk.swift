import CiloSystem
import SystemPackage

/// A plain depth-first walk of a tree by directory descriptors and byte names (no String
/// paths, no symlink followed), for the small sequential walks outside the clone and
/// disk-usage engines: build-context digests, workspace manifests, the `.env*` policy.
enum TreeWalk {
    /// One entry as the walk meets it.
    struct Entry {
        /// The path relative to the root, bytes.
        var path: [UInt8]
        var name: FileName
        var status: FileStatus
        /// The directory holding the entry (valid during the visit).
        var directory: FileDescriptor
    }

    /// Visits every entry below `root` (which it closes), in name order when `sorted`; a
    /// directory is entered when `visit` returns true for it. With `vanished`, a tree something
    /// else writes to (git packing objects in a workspace) is walked as it is: an entry gone, or
    /// no longer a directory, between being listed and read is given to `vanished` and passed
    /// over instead of failing the walk.
    static func walk(
        _ root: FileDescriptor, sorted: Bool = false, vanished: ((_ path: [UInt8]) -> Void)? = nil,
        _ visit: (Entry) throws(Errno) -> Bool
    ) throws(Errno) {
        try walk(root, prefix: [], sorted: sorted, vanished: vanished, visit)
    }

    private static func walk(
        _ directory: FileDescriptor, prefix: [UInt8], sorted: Bool, vanished: ((_ path: [UInt8]) -> Void)?,
        _ visit: (Entry) throws(Errno) -> Bool
    ) throws(Errno) {
        defer { directory.closeIgnoringErrors() }
        var names: [FileName] = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            names.append(name)
            return true
        }
        if sorted { names.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) } }
        for name in names {
            let path = prefix + name.bytes
            do throws(Errno) {
                let status = try directory.status(of: name)
                let descend = try visit(Entry(path: path, name: name, status: status, directory: directory))
                guard descend && status.kind == .directory else { continue }
                try walk(try directory.openDirectory(name), prefix: path + [0x2F], sorted: sorted, vanished: vanished, visit)
            } catch {
                guard let vanished, error == .noSuchFileOrDirectory || error == .notDirectory || error == .tooManySymbolicLinkLevels else { throw error }
                vanished(path)
            }
        }
    }
}
