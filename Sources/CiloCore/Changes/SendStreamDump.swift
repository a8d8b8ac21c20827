/// The paths `btrfs receive --dump` names: one operation per line, `command path key=value...`,
/// every path below `./<subvolume>/`, with btrfs-progs' escapes (`\ ` for a space, `\\`, `\n`
/// and the like, `\ooo` for other bytes).
enum SendStreamDump {
    /// Every path an operation names (its own and a rename's `dest=`), relative to the subvolume
    /// `subvolume`; the subvolume itself is left out.
    static func paths(in dump: [UInt8], under subvolume: [UInt8]) -> Set<[UInt8]> {
        let prefix = Array("./".utf8) + subvolume
        var paths = Set<[UInt8]>()
        for line in dump.split(separator: 0x0A) {
            let fields = tokens(Array(line))
            guard fields.count >= 2 else { continue }
            var named = [fields[1]]
            for field in fields.dropFirst(2) where field.starts(with: Array("dest=".utf8)) { named.append(Array(field.dropFirst(5))) }
            for path in named {
                guard path.starts(with: prefix) else { continue }
                let relative = Array(path.dropFirst(prefix.count).drop { $0 == 0x2F })
                if !relative.isEmpty { paths.insert(relative) }
            }
        }
        return paths
    }

    /// The fields of one line, split at unescaped spaces, escapes undone.
    static func tokens(_ line: [UInt8]) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        func flush() {
            if !current.isEmpty { fields.append(current) }
            current = []
        }
        while index < line.count {
            let byte = line[index]
            if byte == 0x20 || byte == 0x09 {
                flush()
                index += 1
                continue
            }
            guard byte == 0x5C, index + 1 < line.count else {
                current.append(byte)
                index += 1
                continue
            }
            let next = line[index + 1]
            if next >= 0x30 && next <= 0x37, index + 3 < line.count, line[(index + 1)...].prefix(3).allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                let digits = line[(index + 1)...(index + 3)]
                current.append(digits.reduce(UInt8(0)) { $0 &* 8 &+ ($1 - 0x30) })
                index += 4
                continue
            }
            let simple: [UInt8: UInt8] = [0x61: 0x07, 0x62: 0x08, 0x65: 0x1B, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09, 0x76: 0x0B]
            current.append(simple[next] ?? next)
            index += 2
        }
        flush()
        return fields
    }
}
