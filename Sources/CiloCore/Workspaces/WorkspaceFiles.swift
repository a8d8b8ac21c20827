#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import SystemPackage

/// Reading, writing and listing the files of an environment's workspace for a caller whose own
/// file tools cannot reach it (`cilo file`, the `environment_file_*` tools of `cilo mcp`).
///
/// Every path is resolved by the kernel beneath the workspace's folder (`openat2` with
/// `RESOLVE_BENEATH`): an absolute path elsewhere, a `..` or a symlink that leaves the
/// workspace is refused, however the agent arranged its files. A special file is never opened
/// for reading or writing (a FIFO would block).
public struct WorkspaceFiles: Sendable {
    /// One entry of a listing.
    public struct Entry: Codable, Sendable, Equatable {
        /// The path relative to the workspace.
        public var path: String
        /// `file`, `directory`, `symlink` or `other`.
        public var kind: String
        /// Bytes, for a regular file.
        public var size: Int?
    }

    /// What a read returns: at most the asked number of bytes from an offset.
    public struct ReadResult: Sendable {
        public var bytes: [UInt8]
        /// The file's whole size.
        public var size: Int
    }

    /// The workspace's folder.
    public let root: String
    /// The environment's name, for messages.
    public let env: String

    public init(root: String, env: String) {
        self.root = root
        self.env = env
    }

    /// `path` relative to the workspace: absolute paths inside the workspace are accepted as such.
    func relative(_ path: String) throws(CiloError) -> [UInt8] {
        if path.utf8.contains(0) { throw CiloError(.invalidArgument, "a path cannot hold a NUL byte") }
        var text = path
        if text.hasPrefix("/") {
            let prefix = root.hasSuffix("/") ? root : root + "/"
            guard text == root || text.hasPrefix(prefix) else {
                throw CiloError(.invalidArgument, "path '\(path)' is outside the workspace of '\(env)' (\(root))")
            }
            text = String(text.dropFirst(min(text.count, prefix.count)))
        }
        while text.hasPrefix("./") { text.removeFirst(2) }
        return text.isEmpty || text == "." ? Array(".".utf8) : Array(text.utf8)
    }

    private func openRoot() throws(CiloError) -> FileDescriptor {
        do throws(Errno) {
            return try PathOpening.openDirectory(BytePath(root).bytes)
        } catch {
            throw .system(error, "cannot open the workspace of '\(env)'", path: root)
        }
    }

    /// The error for a failed open of `path`, naming the escape plainly.
    private func failure(_ error: Errno, _ action: String, _ path: String) -> CiloError {
        switch error {
        case .improperLink: return CiloError(.invalidArgument, "path '\(path)' leaves the workspace of '\(env)'")
        case .noSuchFileOrDirectory: return CiloError(.notFound, "no '\(path)' in the workspace of '\(env)'")
        case .tooManySymbolicLinkLevels: return CiloError(.invalidArgument, "path '\(path)' has too many symlinks")
        default: return .system(error, "cannot \(action) '\(path)' in the workspace of '\(env)'", path: nil)
        }
    }

    /// Reads at most `limit` bytes of the regular file `path` from `offset`.
    public func read(_ path: String, offset: Int = 0, limit: Int) throws(CiloError) -> ReadResult {
        guard offset >= 0, limit >= 0 else { throw CiloError(.invalidArgument, "offset and limit cannot be negative") }
        let name = try relative(path)
        let rootDescriptor = try openRoot()
        defer { rootDescriptor.closeIgnoringErrors() }
        do {
            let file = try rootDescriptor.openBeneath(name, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY)
            defer { file.closeIgnoringErrors() }
            let status = try file.status()
            guard status.kind == .regular else { throw CiloError(.invalidArgument, "'\(path)' is \(Self.kindName(status.kind)), not a file") }
            let size = Int(status.size)
            var bytes = [UInt8](repeating: 0, count: max(0, min(limit, size - offset)))
            var done = 0
            while done < bytes.count {
                let count = try bytes.withUnsafeMutableBytes { buffer in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: Int64(offset + done))
                }
                if count == 0 { break }
                done += count
            }
            return ReadResult(bytes: Array(bytes[..<done]), size: size)
        } catch let error as Errno {
            throw failure(error, "read", path)
        } catch let error as CiloError {
            throw error
        } catch {
            throw CiloError(.failed, "cannot read '\(path)'", cause: error)
        }
    }

    /// Writes `bytes` as the whole content of the regular file `path` (made 0644 when new);
    /// `makeFolders` makes missing folders on the way (0755). Returns the bytes written.
    public func write(_ path: String, bytes: [UInt8], makeFolders: Bool) throws(CiloError) -> Int {
        let name = try relative(path)
        guard name != Array(".".utf8), name.last != UInt8(ascii: "/") else { throw CiloError(.invalidArgument, "'\(path)' names a folder, not a file") }
        let rootDescriptor = try openRoot()
        defer { rootDescriptor.closeIgnoringErrors() }
        do {
            if makeFolders { try makeParents(of: name, in: rootDescriptor) }
            let file = try rootDescriptor.openBeneath(name, flags: O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY, mode: 0o644)
            defer { file.closeIgnoringErrors() }
            let status = try file.status()
            guard status.kind == .regular else { throw CiloError(.invalidArgument, "'\(path)' is \(Self.kindName(status.kind)), not a file") }
            try file.truncate(to: 0)
            try file.writeAll(bytes, at: 0)
            return bytes.count
        } catch let error as Errno {
            if error == .noSuchFileOrDirectory && !makeFolders {
                throw CiloError(.notFound, "the folder of '\(path)' does not exist in the workspace of '\(env)' (make folders with --make-folders, make_folders: true)")
            }
            throw failure(error, "write", path)
        } catch let error as CiloError {
            throw error
        } catch {
            throw CiloError(.failed, "cannot write '\(path)'", cause: error)
        }
    }

    /// Makes each missing folder on the way to `name`, each resolved beneath the workspace.
    private func makeParents(of name: [UInt8], in rootDescriptor: FileDescriptor) throws(Errno) {
        let components = name.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        var parent: [UInt8] = Array(".".utf8)
        for component in components.dropLast() {
            let directory = try rootDescriptor.openBeneath(parent, flags: O_RDONLY | O_DIRECTORY)
            defer { directory.closeIgnoringErrors() }
            do throws(Errno) {
                try directory.makeDirectory(FileName(bytes: component), mode: 0o755)
            } catch where error == .fileExists {
                // There already (a folder, or a symlink resolved beneath at the next step).
            }
            parent += [UInt8(ascii: "/")] + component
        }
    }

    /// The entries under the folder `path`, `depth` levels down (1: its own entries), at most
    /// `limit` of them, sorted by path; `.git` folders are listed but not entered.
    /// - Returns: the entries and whether the limit cut the listing.
    public func list(_ path: String, depth: Int, limit: Int) throws(CiloError) -> (entries: [Entry], cut: Bool) {
        guard depth >= 1, limit >= 1 else { throw CiloError(.invalidArgument, "depth and limit must be at least 1") }
        let name = try relative(path)
        let rootDescriptor = try openRoot()
        defer { rootDescriptor.closeIgnoringErrors() }
        var entries: [Entry] = []
        var cut = false
        let prefix = name == Array(".".utf8) ? "" : DisplayBytes.string(name[...]) + "/"
        do throws(Errno) {
            let directory = try rootDescriptor.openBeneath(name, flags: O_RDONLY | O_DIRECTORY)
            defer { directory.closeIgnoringErrors() }
            try collect(directory, prefix: prefix, depth: depth, limit: limit, into: &entries, cut: &cut)
        } catch {
            if error == .notDirectory { throw CiloError(.invalidArgument, "'\(path)' is not a folder") }
            throw failure(error, "list", path)
        }
        return (entries.sorted { $0.path < $1.path }, cut)
    }

    private func collect(
        _ directory: FileDescriptor, prefix: String, depth: Int, limit: Int, into entries: inout [Entry], cut: inout Bool
    ) throws(Errno) {
        var names: [FileName] = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            if !name.isDotOrDotDot { names.append(name) }
            return true
        }
        for name in names.sorted(by: { $0.displayString < $1.displayString }) {
            guard entries.count < limit else {
                cut = true
                return
            }
            guard let status = try directory.statusIfPresent(of: name) else { continue }
            let path = prefix + name.displayString
            entries.append(Entry(path: path, kind: Self.entryKind(status.kind), size: status.kind == .regular ? Int(status.size) : nil))
            if status.kind == .directory && depth > 1 && name.displayString != ".git" {
                let inner = try directory.openDirectory(name)
                defer { inner.closeIgnoringErrors() }
                try collect(inner, prefix: path + "/", depth: depth - 1, limit: limit, into: &entries, cut: &cut)
            }
        }
    }

    static func entryKind(_ kind: FileStatus.Kind) -> String {
        switch kind {
        case .regular: return "file"
        case .directory: return "directory"
        case .symbolicLink: return "symlink"
        default: return "other"
        }
    }

    static func kindName(_ kind: FileStatus.Kind) -> String {
        switch kind {
        case .directory: return "a folder"
        case .fifo: return "a FIFO"
        case .socket: return "a socket"
        case .characterDevice, .blockDevice: return "a device"
        default: return "not a regular file"
        }
    }
}
