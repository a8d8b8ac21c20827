import Foundation

/// Durations as people write them on a command line: `90s`, `30m`, `12h`, `7d`, `2w`.
public enum TimeSpan {
    /// Seconds in `text`; nil when it is not a positive number followed by s, m, h, d or w.
    public static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        guard let unit = text.last, let multiplier = units[unit], let value = Double(text.dropLast()), value > 0, value.isFinite else { return nil }
        return value * multiplier
    }

    /// Seconds since an ISO 8601 time; nil when it cannot be read.
    public static func age(of iso: String, now: Date = Date()) -> Double? {
        ISO8601DateFormatter().date(from: iso).map { now.timeIntervalSince($0) }
    }
}
