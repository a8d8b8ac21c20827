#if canImport(Glibc)
import Glibc
#endif
import CiloSystem

/// `--exclude` patterns: a pattern without `/` matches an entry's name anywhere in the
/// tree; a pattern with `/` matches the path relative to the clone root.
struct ExcludeMatcher: Sendable {
    private let namePatterns: [[UInt8]]
    private let pathPatterns: [[UInt8]]

    init(patterns: [String]) {
        var names: [[UInt8]] = []
        var paths: [[UInt8]] = []
        for pattern in patterns where !pattern.isEmpty {
            var bytes = Array(pattern.utf8)
            while bytes.count > 1 && bytes.last == 0x2F { bytes.removeLast() }  // "node_modules/" means the directory
            if bytes.first == 0x2F { bytes.removeFirst() }  // "/build" is anchored at the root
            bytes.append(0)
            if pattern.dropLast().contains("/") || pattern.hasPrefix("/") { paths.append(bytes) } else { names.append(bytes) }
        }
        namePatterns = names
        pathPatterns = paths
    }

    var isEmpty: Bool { namePatterns.isEmpty && pathPatterns.isEmpty }

    /// Whether the entry `name` inside the directory at `directoryPath` is excluded.
    func excludes(_ name: FileName, in directoryPath: BytePath) -> Bool {
        if isEmpty { return false }
        var terminatedName = Array(name.bytes)
        terminatedName.append(0)
        for pattern in namePatterns where Self.matches(pattern, terminatedName, flags: 0) { return true }
        if pathPatterns.isEmpty { return false }
        var path = directoryPath.appending(name).bytes
        path.append(0)
        for pattern in pathPatterns where Self.matches(pattern, path, flags: FNM_PATHNAME) { return true }
        return false
    }

    /// Whether the path `relative` (to the clone root) is left out: it or a folder above it matches.
    func excludes(relativePath relative: [UInt8]) -> Bool {
        if isEmpty { return false }
        var folder = BytePath(bytes: [])
        for component in relative.split(separator: 0x2F) {
            let name = FileName(bytes: Array(component))
            if excludes(name, in: folder) { return true }
            folder = folder.appending(name)
        }
        return false
    }

    /// The same patterns as git pathspecs with `glob` magic (whose `*` stops at `/`, as
    /// FNM_PATHNAME here), each matching the entry and everything below it. `magic` goes before
    /// `glob` (`"exclude,"` for pathspecs that leave them out).
    static func gitPathspecs(_ patterns: [String], magic: String = "") -> [String] {
        patterns.flatMap { pattern -> [String] in
            var trimmed = Substring(pattern)
            while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
            let anchored = trimmed.contains("/")
            if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
            guard !trimmed.isEmpty else { return [] }
            let spec = anchored ? String(trimmed) : "**/" + trimmed
            return [":(\(magic)glob)\(spec)", ":(\(magic)glob)\(spec)/**"]
        }
    }

    private static func matches(_ pattern: [UInt8], _ subject: [UInt8], flags: Int32) -> Bool {
        pattern.withUnsafeBufferPointer { patternBytes in
            subject.withUnsafeBufferPointer { subjectBytes in
                patternBytes.withMemoryRebound(to: CChar.self) { patternChars in
                    subjectBytes.withMemoryRebound(to: CChar.self) { subjectChars in
                        fnmatch(patternChars.baseAddress, subjectChars.baseAddress, flags) == 0
                    }
                }
            }
        }
    }
}
