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
    /// directory is entered when `visit` returns true for it.
    static func walk(_ root: FileDescriptor, sorted: Bool = false, _ visit: (Entry) throws(Errno) -> Bool) throws(Errno) {
        try walk(root, prefix: [], sorted: sorted, visit)
    }

    private static func walk(
        _ directory: FileDescriptor, prefix: [UInt8], sorted: Bool, _ visit: (Entry) throws(Errno) -> Bool
    ) throws(Errno) {
        defer { directory.closeIgnoringErrors() }
        var names: [FileName] = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            names.append(name)
            return true
        }
        if sorted { names.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) } }
        for name in names {
            let status = try directory.status(of: name)
            let path = prefix + name.bytes
            let descend = try visit(Entry(path: path, name: name, status: status, directory: directory))
            guard descend && status.kind == .directory else { continue }
            try walk(try directory.openDirectory(name), prefix: path + [0x2F], sorted: sorted, visit)
        }
    }
}
