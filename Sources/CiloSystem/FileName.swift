/// One entry name inside a directory, as the raw bytes the kernel returned.
///
/// File names on Linux are byte strings: they need not be valid UTF-8. `FileName`
/// keeps the bytes exactly and stores a trailing NUL so it can be passed to a
/// system call without copying.
public struct FileName: Hashable, Sendable {
    /// The name's bytes followed by one NUL.
    @usableFromInline
    var storage: [UInt8]

    /// Makes a name from its bytes; `bytes` must not contain NUL or `/`.
    public init<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        storage = Array(bytes)
        storage.append(0)
    }

    /// Makes a name from a Swift string's UTF-8 bytes.
    public init(_ string: String) {
        self.init(bytes: string.utf8)
    }

    /// The name's bytes without the trailing NUL.
    public var bytes: ArraySlice<UInt8> { storage[..<(storage.count - 1)] }

    /// Whether this is `.` or `..`.
    public var isDotOrDotDot: Bool {
        storage == [0x2E, 0] || storage == [0x2E, 0x2E, 0]
    }

    /// Calls `body` with a NUL-terminated C string of the name.
    @inlinable
    public func withCString<Result, Failure: Error>(
        _ body: (UnsafePointer<CChar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in
            try buffer.withMemoryRebound(to: CChar.self) { (chars) throws(Failure) -> Result in
                // The storage is never empty: it always ends with NUL.
                try body(chars.baseAddress.unsafelyUnwrapped)
            }
        }
    }

    /// The name for display: valid UTF-8 as is, any other byte as `\xNN`.
    public var displayString: String { DisplayBytes.string(bytes) }
}

/// Renders byte strings (names, paths) for people and JSON without losing bytes.
public enum DisplayBytes {
    /// Valid UTF-8 runs as text; each byte of an invalid sequence as `\xNN`; control characters escaped.
    public static func string<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let array = Array(bytes)
        if let text = String(validating: array, as: UTF8.self), !text.unicodeScalars.contains(where: isControl) {
            return text
        }
        var result = ""
        var index = 0
        while index < array.count {
            let length = validSequenceLength(array, at: index)
            if length > 0, let scalar = String(validating: array[index..<index + length], as: UTF8.self) {
                if scalar.unicodeScalars.contains(where: isControl) {
                    result += escaped(array[index])
                } else {
                    result += scalar
                }
                index += length
            } else {
                result += escaped(array[index])
                index += 1
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    private static func escaped(_ byte: UInt8) -> String {
        switch byte {
        case 0x0A: return "\\n"
        case 0x09: return "\\t"
        default:
            let hex = String(byte, radix: 16, uppercase: false)
            return "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }

    /// The length of the UTF-8 sequence starting at `index` if its lead byte is well formed, else 0.
    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: length = 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        return index + length <= bytes.count ? length : 0
    }
}
