/// What changed in a workspace since cilo made it (`cilo diff --json`).
public struct ChangeSet: Codable, Sendable, Equatable {
    /// One changed path.
    public struct Change: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            case added, modified, deleted, renamed, typechanged, mode
        }

        /// The path (invalid UTF-8 shown as `\xNN`).
        public var path: String
        public var change: Kind
        /// The old path of a rename.
        public var from: String?
        /// The path's bytes when they are not UTF-8 (`path` then shows them escaped); not in JSON.
        public var rawPath: [UInt8]? = nil

        enum CodingKeys: String, CodingKey { case path, change, from }
    }

    public var project: String
    public var environment: String
    /// The commit the environment was made from.
    public var base: String
    public var changes: [Change]

    /// Reads `git diff --raw -z -M` output: `:OLDMODE NEWMODE OLDSHA NEWSHA STATUS\0PATH\0[PATH\0]`.
    static func parseRaw(_ bytes: [UInt8]) -> [Change] {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        var changes: [Change] = []
        var index = 0
        while index < fields.count {
            let header = String(decoding: fields[index], as: UTF8.self)
            index += 1
            guard header.hasPrefix(":"), index < fields.count else { continue }
            let parts = header.dropFirst().split(separator: " ")
            guard parts.count == 5, let status = parts[4].first else { continue }
            let path = BytePath(bytes: fields[index]).display
            index += 1
            switch status {
            case "A": changes.append(Change(path: path, change: .added))
            case "D": changes.append(Change(path: path, change: .deleted))
            case "T": changes.append(Change(path: path, change: .typechanged))
            case "R", "C":
                guard index < fields.count else { break }
                let new = BytePath(bytes: fields[index]).display
                index += 1
                changes.append(Change(path: new, change: status == "R" ? .renamed : .added, from: status == "R" ? path : nil))
            default:
                // Same content, other mode: a mode change; otherwise a modification.
                changes.append(Change(path: path, change: parts[2] == parts[3] && parts[0] != parts[1] ? .mode : .modified))
            }
        }
        return changes
    }
}
