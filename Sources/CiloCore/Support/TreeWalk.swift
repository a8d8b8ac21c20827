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
        /// The same name's status beside it in the companion tree, when one is walked along.
        var companion: FileStatus?
        /// The directory holding the entry (valid during the visit).
        var directory: FileDescriptor
    }

    /// Visits every entry below `root` (which it closes), in name order when `sorted`; a
    /// directory is entered when `visit` returns true for it. `companion`, when given, is a
    /// second tree walked along by name (it is closed too); its entries may be missing.
    static func walk(
        _ root: FileDescriptor, beside companion: FileDescriptor? = nil, sorted: Bool = false,
        _ visit: (Entry) throws(Errno) -> Bool
    ) throws(Errno) {
        try walk(root, companion: companion, prefix: [], sorted: sorted, visit)
    }

    private static func walk(
        _ directory: FileDescriptor, companion: FileDescriptor?, prefix: [UInt8], sorted: Bool,
        _ visit: (Entry) throws(Errno) -> Bool
    ) throws(Errno) {
        defer {
            directory.closeIgnoringErrors()
            companion?.closeIgnoringErrors()
        }
        var names: [FileName] = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            names.append(name)
            return true
        }
        if sorted { names.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) } }
        for name in names {
            let status = try directory.status(of: name)
            let besideStatus = try companion.flatMap { folder throws(Errno) in try statusIfPresent(name, in: folder) }
            let path = prefix + name.bytes
            let descend = try visit(Entry(path: path, name: name, status: status, companion: besideStatus, directory: directory))
            guard descend && status.kind == .directory else { continue }
            let child = try directory.openDirectory(name)
            let besideChild = besideStatus?.kind == .directory ? try companion?.openDirectory(name) : nil
            try walk(child, companion: besideChild, prefix: path + [0x2F], sorted: sorted, visit)
        }
    }

    /// The status of `name` in `directory`, nil when there is no such entry.
    static func statusIfPresent(_ name: FileName, in directory: FileDescriptor) throws(Errno) -> FileStatus? {
        do throws(Errno) { return try directory.status(of: name) } catch .noSuchFileOrDirectory { return nil }
    }
}
