import Foundation

/// Sizes as people and Docker write them: `67108864`, `512m`, `2g`, `1.5GiB`, `64MB` (units
/// are powers of 1024, as Docker reads them), or a share of something: `10%`.
public enum ByteSize {
    /// The bytes `text` names; nil when it is not a size (a percentage is not one).
    public static func parse(_ text: String) -> Int? {
        var number = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [
            ("kib", 0x400), ("mib", 0x10_0000), ("gib", 0x4000_0000), ("tib", 0x100_0000_0000),
            ("kb", 0x400), ("mb", 0x10_0000), ("gb", 0x4000_0000), ("tb", 0x100_0000_0000),
            ("k", 0x400), ("m", 0x10_0000), ("g", 0x4000_0000), ("t", 0x100_0000_0000), ("b", 1),
        ]
        var multiplier = 1.0
        if let unit = units.first(where: { number.hasSuffix($0.0) }) {
            multiplier = unit.1
            number = String(number.dropLast(unit.0.count)).trimmingCharacters(in: .whitespaces)
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let bytes = value * multiplier
        guard bytes < Double(Int.max / 2) else { return nil }
        return Int(bytes.rounded())
    }

    /// A percentage `10%` as a fraction (0.1); nil when `text` is not one between 0 and 100.
    public static func fraction(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast()), value >= 0, value < 100 else { return nil }
        return value / 100
    }
}
