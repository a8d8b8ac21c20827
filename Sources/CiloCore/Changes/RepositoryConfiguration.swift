import CiloSystem

/// What cilo takes from a workspace's `.git/config`, read as data (a copy handed to
/// `git config --file`, which follows no `include` and runs nothing): the repository's format,
/// which cilo's own config must repeat, and the drivers it names, which cilo never runs.
struct RepositoryConfiguration: Codable, Sendable, Equatable {
    /// `extensions.objectformat` (sha256), nil for git's default.
    var objectFormat: String?
    /// `extensions.refstorage`, nil for files.
    var referenceStorage: String?
    /// Hooks, fsmonitor, drivers and the like the workspace names, one line each.
    var drivers: [String] = []

    var usesReftable: Bool { referenceStorage == "reftable" }

    enum CodingKeys: String, CodingKey { case objectFormat, referenceStorage, drivers }

    /// The config cilo's git folder over the workspace gets: the format and nothing else.
    var cilosConfig: String {
        var extensions = ""
        if let objectFormat { extensions += "\tobjectformat = \(objectFormat)\n" }
        if let referenceStorage { extensions += "\trefstorage = \(referenceStorage)\n" }
        let version = extensions.isEmpty ? 0 : 1
        return "# Written by cilo: its view of a workspace's repository. The workspace's own config is never read.\n"
            + "[core]\n\trepositoryformatversion = \(version)\n\tbare = false\n\tlogallrefupdates = false\n"
            + (extensions.isEmpty ? "" : "[extensions]\n" + extensions)
    }

    /// Reads the copy of a `.git/config` at `copy` (a file of cilo's: `git config --file` on it
    /// follows no `include` and runs nothing).
    static func read(copy: String) async throws(CiloError) -> RepositoryConfiguration {
        let result = try await ToolRunner.runForBytes("git", Git.hardening + ["config", "--file", copy, "--list", "-z"], limit: .git)
        guard result.status == 0 else {
            throw CiloError(.failed, "the workspace's .git/config cannot be read: \(result.error.split(separator: "\n").last ?? "")")
        }
        return parse(listing: result.output)
    }

    /// Parses `git config --list -z`: `key\nvalue` records ended by NUL.
    static func parse(listing: [UInt8]) -> RepositoryConfiguration {
        var configuration = RepositoryConfiguration()
        for record in listing.split(separator: 0) {
            let parts = record.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(decoding: parts[0], as: UTF8.self).lowercased()
            let value = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : ""
            switch key {
            case "extensions.objectformat": configuration.objectFormat = value
            case "extensions.refstorage": configuration.referenceStorage = value
            default:
                if isDriver(key) { configuration.drivers.append(key) }
            }
        }
        return configuration
    }

    /// Keys that would run a program, or change the bytes git hashes, were the config trusted.
    static func isDriver(_ key: String) -> Bool {
        let exact: Set = [
            "core.fsmonitor", "core.hookspath", "core.pager", "core.sshcommand", "core.editor", "core.askpass",
            "core.worktree", "core.autocrlf", "core.eol", "core.attributesfile", "diff.external", "include.path",
        ]
        if exact.contains(key) { return true }
        let parts = key.split(separator: ".")
        guard parts.count >= 3, let last = parts.last else { return key.hasPrefix("includeif.") }
        switch parts[0] {
        case "filter": return ["clean", "smudge", "process"].contains(last)
        case "diff": return ["textconv", "command"].contains(last)
        case "merge": return last == "driver"
        case "includeif": return true
        default: return false
        }
    }
}
