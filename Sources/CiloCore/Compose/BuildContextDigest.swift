import CiloSystem
import SystemPackage

/// A digest of a build context's content as cilo's clones keep it: every entry's relative
/// name, kind, size, mode, nanosecond mtime and link target. Clones keep all of these, so
/// every environment made from one project state gets the same digest and shares one image;
/// any change inside the context gives a new one (never a stale image).
struct BuildContextDigest {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    private mutating func add(_ bytes: [UInt8]) {
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0xff) &* 0x100_0000_01b3
    }

    private mutating func add(_ number: Int64) {
        withUnsafeBytes(of: number.littleEndian) { add(Array($0)) }
    }

    /// The digest of the folder at `path` plus `extra` (the build definition), as 16 hex digits.
    static func of(_ path: String, extra: String) throws(CiloError) -> String {
        var digest = BuildContextDigest()
        digest.add(Array(extra.utf8))
        do throws(Errno) {
            let root = try PathOpening.openDirectory(BytePath(path).bytes)
            try digest.walk(root, prefix: [])
        } catch {
            throw .system(error, "cannot read the build context", path: path)
        }
        let text = String(digest.hash, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    /// Walks `directory` (closing it), adding its entries in name order.
    private mutating func walk(_ directory: FileDescriptor, prefix: [UInt8]) throws(Errno) {
        defer { directory.closeIgnoringErrors() }
        var names: [FileName] = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            names.append(name)
            return true
        }
        for name in names.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            let status = try directory.status(of: name)
            let relative = prefix + name.bytes
            add(relative)
            add(Int64(status.mode))
            add(status.size)
            add(status.modificationTime.seconds)
            add(status.modificationTime.nanoseconds)
            switch status.kind {
            case .symbolicLink: add(try directory.symbolicLinkTarget(of: name))
            case .directory: try walk(try directory.openDirectory(name), prefix: relative + [0x2F])
            default: break
            }
        }
    }
}
