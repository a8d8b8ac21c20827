import CiloSystem
import SystemPackage

/// cilo's own incremental sync of a project's source to an engine that has no rsync (the engine
/// needs Docker, Compose and sshd only). This machine lists the source (`manifest`: every
/// folder, file and symlink with its permissions, and for files size and modification second,
/// `exclude:` honoured); the engine's cilo brings its copy to that shape (`prepare`: removes
/// what is not listed or is of another kind, makes folders and symlinks, sets permissions) and
/// names the files whose content must come: missing, or of another size or modification second
/// (rsync's quick check). Those then travel as one tar stream over ssh.
public enum SourceMirror {
    /// One entry of the source.
    struct Entry: Equatable {
        enum Kind: UInt8 {
            case directory = 0x64, file = 0x66, symbolicLink = 0x6C  // d, f, l
        }

        var kind: Kind
        var permissions: UInt32
        var size: Int64
        var modified: Int64
        /// Relative to the source, bytes.
        var path: [UInt8]
        /// A symlink's target.
        var target: [UInt8] = []
    }

    /// The source's entries, encoded: per entry `K PERMISSIONS SIZE MODIFIED\0PATH\0TARGET\0`.
    public static func manifest(of source: BytePath, excludes patterns: [String]) throws(CiloError) -> [UInt8] {
        let excludes = ExcludeMatcher(patterns: patterns)
        var encoded: [UInt8] = []
        do throws(Errno) {
            try TreeWalk.walk(try PathOpening.openDirectory(source.bytes)) { entry throws(Errno) -> Bool in
                // The path is "FOLDER/NAME", or "NAME" at the top.
                let folder = BytePath(bytes: Array(entry.path.prefix(max(0, entry.path.count - entry.name.bytes.count - 1))))
                if excludes.excludes(entry.name, in: folder) { return false }
                let status = entry.status
                var item = Entry(kind: .file, permissions: status.permissions, size: 0, modified: 0, path: entry.path)
                switch status.kind {
                case .directory: item.kind = .directory
                case .regular: (item.size, item.modified) = (status.size, status.modificationTime.seconds)
                case .symbolicLink:
                    item.kind = .symbolicLink
                    item.target = try entry.directory.symbolicLinkTarget(of: entry.name, sizeHint: Int(status.size))
                default: return false  // sockets, devices, FIFOs: not a source's content
                }
                encode(item, into: &encoded)
                return true
            }
        } catch {
            throw .system(error, "cannot read the project", path: source.display)
        }
        return encoded
    }

    /// `cilo engines receive`: the list read from standard input, then `prepare`, off the cooperative pool.
    public static func receive(into folder: String) async throws(CiloError) -> [UInt8] {
        try await WorkerThreads.offload { () throws(CiloError) -> [UInt8] in
            let manifest: [UInt8]
            do throws(Errno) { manifest = try FileDescriptor.standardInput.readStreamToEnd() } catch {
                throw .system(error, "cannot read the source's list", path: "standard input")
            }
            return try prepare(BytePath(folder), manifest: manifest)
        }
    }

    /// On the engine: brings `folder` to the shape of `manifest` and returns the paths of the
    /// files whose content must come, NUL-terminated (the list `tar --null -T` reads).
    /// - Throws: a manifest that is not one (or names a path outside the folder).
    public static func prepare(_ folder: BytePath, manifest bytes: [UInt8]) throws(CiloError) -> [UInt8] {
        let wanted = try decode(bytes)
        let byPath = Dictionary(wanted.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
        var present: [[UInt8]: FileStatus] = [:]
        var needed: [UInt8] = []
        do throws(Errno) {
            try Directories.makeAll(folder.bytes).closeIgnoringErrors()
            try TreeWalk.walk(try PathOpening.openDirectory(folder.bytes)) { entry throws(Errno) -> Bool in
                let status = entry.status
                let want = byPath[entry.path]
                var sameLink = true
                if let want, want.kind == .symbolicLink, status.kind == .symbolicLink {
                    sameLink = try entry.directory.symbolicLinkTarget(of: entry.name) == want.target
                }
                guard let want, want.kind == kind(of: status), sameLink else {
                    try TreeRemover.remove(entry.name, in: entry.directory)
                    return false
                }
                present[entry.path] = status
                return true
            }
            var parents = ParentFolders(root: folder)
            defer { parents.close() }
            for want in wanted.sorted(by: { $0.path.lexicographicallyPrecedes($1.path) }) {
                let (parent, name) = try parents.folder(of: want.path)
                if let status = present[want.path] {
                    if status.permissions != want.permissions && want.kind != .symbolicLink { try parent.setPermissions(of: name, want.permissions) }
                    if want.kind == .file && (status.size != want.size || status.modificationTime.seconds != want.modified) {
                        needed += want.path + [0]
                    }
                    continue
                }
                switch want.kind {
                case .directory:
                    try parent.makeDirectory(name, mode: 0o700)
                    try parent.setPermissions(of: name, want.permissions)
                case .symbolicLink: try parent.makeSymbolicLink(name, target: want.target)
                case .file: needed += want.path + [0]
                }
            }
        } catch {
            throw .system(error, "cannot bring the engine's copy of the source up to date", path: folder.display)
        }
        return needed
    }

    private static func kind(of status: FileStatus) -> Entry.Kind? {
        switch status.kind {
        case .directory: return .directory
        case .regular: return .file
        case .symbolicLink: return .symbolicLink
        default: return nil
        }
    }

    static func encode(_ entry: Entry, into encoded: inout [UInt8]) {
        encoded.append(entry.kind.rawValue)
        encoded += Array(" \(String(entry.permissions, radix: 8)) \(entry.size) \(entry.modified)".utf8) + [0]
        encoded += entry.path + [0] + entry.target + [0]
    }

    static func decode(_ bytes: [UInt8]) throws(CiloError) -> [Entry] {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
        guard fields.count % 3 == 1, fields.last?.isEmpty == true else { throw CiloError(.invalidArgument, "the source's list is cut off") }
        var entries: [Entry] = []
        entries.reserveCapacity(fields.count / 3)
        var index = 0
        while index + 3 <= fields.count - 1 {
            let header = String(decoding: fields[index], as: UTF8.self).split(separator: " ")
            let path = Array(fields[index + 1])
            guard header.count == 4, let kind = header[0].utf8.first.flatMap(Entry.Kind.init(rawValue:)),
                  let permissions = UInt32(header[1], radix: 8), let size = Int64(header[2]), let modified = Int64(header[3]),
                  isInside(path) else {
                throw CiloError(.invalidArgument, "the source's list has an entry that is not one: \(BytePath(bytes: path).display)")
            }
            entries.append(Entry(kind: kind, permissions: permissions & 0o7777, size: size, modified: modified, path: path, target: Array(fields[index + 2])))
            index += 3
        }
        return entries
    }

    /// A relative path that stays inside: no empty, `.` or `..` component.
    private static func isInside(_ path: [UInt8]) -> Bool {
        !path.isEmpty && path.split(separator: 0x2F, omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != [0x2E] && $0 != [0x2E, 0x2E] }
    }
}

/// The open folder holding each path in turn (the last one kept: a listing in path order
/// meets one folder's entries together).
private struct ParentFolders {
    let root: BytePath
    private var open: (path: [UInt8], descriptor: FileDescriptor)?

    init(root: BytePath) {
        self.root = root
    }

    mutating func folder(of path: [UInt8]) throws(Errno) -> (FileDescriptor, FileName) {
        let slash = path.lastIndex(of: 0x2F)
        let parent = slash.map { Array(path[..<$0]) } ?? []
        let name = FileName(bytes: slash.map { Array(path[($0 + 1)...]) } ?? path)
        if let open, open.path == parent { return (open.descriptor, name) }
        close()
        let descriptor = try PathOpening.openDirectory(parent.isEmpty ? root.bytes : root.bytes + [0x2F] + parent)
        open = (parent, descriptor)
        return (descriptor, name)
    }

    mutating func close() {
        open?.descriptor.closeIgnoringErrors()
        open = nil
    }
}
