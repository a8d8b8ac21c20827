import CiloSystem

/// A path as raw bytes, joined from `FileName`s. Used for reports and messages only:
/// file operations go through directory descriptors, never through joined paths.
public struct BytePath: Hashable, Sendable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// This path with `name` appended after a `/`.
    public func appending(_ name: FileName) -> BytePath {
        var result = bytes
        if !result.isEmpty && result.last != 0x2F { result.append(0x2F) }
        result.append(contentsOf: name.bytes)
        return BytePath(bytes: result)
    }

    /// The path for display, invalid UTF-8 escaped as `\xNN`.
    public var display: String { bytes.isEmpty ? "." : DisplayBytes.string(bytes) }

    /// The last component and the rest: `("/a/b", "c")` for `/a/b/c`; the parent is `.` when there is no slash.
    public var parentAndName: (parent: BytePath, name: FileName)? {
        var trimmed = bytes
        while trimmed.count > 1 && trimmed.last == 0x2F { trimmed.removeLast() }
        guard let name = trimmed.split(separator: 0x2F).last, !name.isEmpty else { return nil }
        let parentBytes = Array(trimmed[..<(trimmed.count - name.count)])
        let parent: [UInt8] = parentBytes.isEmpty ? [0x2E] : (parentBytes.count > 1 ? Array(parentBytes.dropLast()) : parentBytes)
        return (BytePath(bytes: parent), FileName(bytes: name))
    }
}
