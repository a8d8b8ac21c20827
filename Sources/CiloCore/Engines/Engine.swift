import CiloSystem
import Foundation

/// A machine running Docker that cilo reaches over ssh (`cilo engines add`). The local
/// machine is the engine `local` and is never stored.
public struct Engine: Codable, Sendable, Equatable {
    public static let local = "local"

    public var name: String
    /// `ssh://[user@]host[:port]`, as given.
    public var url: String
    /// cilo's folder on the engine (its binary, its home, the synced sources): relative to the
    /// ssh login's home, or absolute.
    public var home: String

    /// `[user@]host`.
    public var destination: String
    public var port: Int?

    /// Checks the name, the address and the folder; one clear error naming what is wrong.
    public static func parse(name: String, url: String, home: String?) throws(CiloError) -> Engine {
        guard NameRules.isValid(name), name != local, name != "auto" else {
            throw CiloError(.invalidArgument, "engine name '\(name)' is not usable: lower-case letters, digits and -, and not local or auto")
        }
        guard url.hasPrefix("ssh://") else { throw CiloError(.invalidArgument, "engine address '\(url)' is not ssh://[user@]host[:port]") }
        var rest = Substring(url.dropFirst(6))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var port: Int?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("]") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw CiloError(.invalidArgument, "engine address '\(url)' has a bad port")
            }
            port = number
            rest = rest[..<colon]
        }
        let host = rest.split(separator: "@", maxSplits: 1).last.map(String.init) ?? ""
        let allowed = { (character: Character) in character.isLetter || character.isNumber || "-._[]:@".contains(character) }
        guard !host.isEmpty, !rest.hasPrefix("-"), rest.allSatisfy(allowed), !rest.contains("/") else {
            throw CiloError(.invalidArgument, "engine address '\(url)' is not ssh://[user@]host[:port]")
        }
        let folder = home ?? ".cilo-engine"
        guard !folder.isEmpty, !folder.contains("\n"), !folder.contains("'") else {
            throw CiloError(.invalidArgument, "--home '\(folder)' is not a usable folder on the engine")
        }
        return Engine(name: name, url: url, home: folder, destination: String(rest), port: port)
    }

    /// The ssh command: `CILO_SSH` (words: program, then options such as `-i KEY`), else `ssh`.
    static func sshCommand() -> [String] {
        let words = (HostFacts.environment("CILO_SSH") ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        return words.isEmpty ? ["ssh"] : words
    }

    /// The ssh command line that runs `remote` (a shell command line) on the engine; with
    /// `terminal`, a terminal is asked for (an interactive `cilo run`).
    public func sshArguments(_ remote: String, terminal: Bool = false) -> [String] {
        transport + [terminal ? "-t" : "-T", destination, remote]
    }

    /// ssh with cilo's options and the port, without host or command: what rsync's `-e` and
    /// git's `GIT_SSH_COMMAND` run too, so every connection to the engine is made alike.
    var transport: [String] {
        Self.sshCommand() + ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"] + (port.map { ["-p", String($0)] } ?? [])
    }

    /// `home`, as a shell word on the engine (a relative folder stays relative to the login's home).
    var homeWord: String { home.hasPrefix("/") ? Self.quoted(home) : "\"$HOME\"/" + Self.quoted(home) }

    /// A word for the engine's shell: single-quoted.
    public static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
