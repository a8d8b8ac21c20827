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
            try TreeWalk.walk(try PathOpening.openDirectory(BytePath(path).bytes), sorted: true) { entry throws(Errno) in
                digest.add(entry.path)
                digest.add(Int64(entry.status.mode))
                digest.add(entry.status.size)
                digest.add(entry.status.modificationTime.seconds)
                digest.add(entry.status.modificationTime.nanoseconds)
                if entry.status.kind == .symbolicLink { digest.add(try entry.directory.symbolicLinkTarget(of: entry.name)) }
                return true
            }
        } catch {
            throw .system(error, "cannot read the build context", path: path)
        }
        return digest.hexadecimal
    }

    /// The digest of a text alone (a resolved service definition), as 16 hex digits.
    static func of(text: String) -> String {
        var digest = BuildContextDigest()
        digest.add(Array(text.utf8))
        return digest.hexadecimal
    }

    private var hexadecimal: String {
        let text = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
