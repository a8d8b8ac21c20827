import CiloCore

/// The command line's raw bytes. ArgumentParser sees `CommandLine.arguments`, where bytes
/// that are not UTF-8 were replaced; paths must keep them, so a parsed path is mapped back
/// to the argv entry it came from.
enum RawArguments {
    /// The path `parsed` as its original bytes: the argv entry that decodes to it.
    static func path(_ parsed: String) -> BytePath {
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            var bytes: [UInt8] = []
            var cursor = pointer
            while cursor.pointee != 0 {
                bytes.append(UInt8(bitPattern: cursor.pointee))
                cursor += 1
            }
            if String(decoding: bytes, as: UTF8.self) == parsed { return BytePath(bytes: bytes) }
        }
        return BytePath(parsed)
    }
}
