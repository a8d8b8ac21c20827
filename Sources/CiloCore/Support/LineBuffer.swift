/// Bytes arriving in pieces (a pipe's reads), cut into whole lines: what `cilo mcp` reads from
/// its client and from each child's output.
public struct LineBuffer: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Bytes held after the last newline.
    public var count: Int { pending.count }

    /// Adds `bytes`; returns each line they complete, without its newline.
    public mutating func append(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        var start = pending.count
        pending.append(contentsOf: bytes)
        var lines: [[UInt8]] = []
        var lineStart = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(Array(pending[lineStart..<newline]))
            lineStart = newline + 1
            start = lineStart
        }
        pending.removeFirst(lineStart)
        return lines
    }

    /// The last line, when the bytes ended without a newline.
    public mutating func rest() -> [UInt8]? {
        defer { pending = [] }
        return pending.isEmpty ? nil : pending
    }
}
