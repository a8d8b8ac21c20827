import Foundation

/// The snippet each MCP client expects for `cilo mcp` (`cilo mcp --print-config CLIENT`): where
/// it goes is said in `docs/mcp.md` and the README.
public enum ClientConfiguration: String, CaseIterable, Sendable {
    /// Claude Code: `.mcp.json` in the project (or `claude mcp add-json cilo '<the inner object>'`).
    case claude
    /// OpenAI Codex CLI: `~/.codex/config.toml`.
    case codex
    /// VS Code: `.vscode/mcp.json`.
    case vscode
    /// Cursor: `.cursor/mcp.json`.
    case cursor

    /// The snippet starting `executable mcp` (with `--project` when given; `CILO_HOME` when set).
    public func render(executable: String, project: String?, home: String?) -> String {
        let arguments = ["mcp"] + (project.map { ["--project", $0] } ?? [])
        let environment = home.map { ["CILO_HOME": $0] } ?? [:]
        switch self {
        case .codex:
            var lines = ["[mcp_servers.cilo]", "command = \(Self.tomlString(executable))", "args = [\(arguments.map(Self.tomlString).joined(separator: ", "))]"]
            if let home { lines.append("env = { CILO_HOME = \(Self.tomlString(home)) }") }
            return lines.joined(separator: "\n") + "\n"
        case .claude, .cursor:
            return Self.json(["mcpServers": ["cilo": Server(type: nil, command: executable, args: arguments, env: environment)]])
        case .vscode:
            return Self.json(["servers": ["cilo": Server(type: "stdio", command: executable, args: arguments, env: environment)]])
        }
    }

    private struct Server: Encodable {
        var type: String?
        var command: String
        var args: [String]
        var env: [String: String]
    }

    private static func json(_ value: [String: [String: Server]]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    /// A TOML basic string: quotes, backslashes and control characters escaped.
    static func tomlString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += String(format: "\\u%04X", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped + "\""
    }
}
