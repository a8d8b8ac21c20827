import Subprocess
import SystemPackage

/// What an external tool (docker, compose) printed and how it ended.
public struct ToolResult: Sendable {
    public var status: Int32
    public var output: String
    public var error: String

    public var succeeded: Bool { status == 0 }

    /// The last `count` non-empty lines of standard error (else standard output), for messages.
    public func tail(_ count: Int = 3) -> String {
        let text = error.isEmpty ? output : error
        return text.split(separator: "\n").suffix(count).joined(separator: " | ")
    }
}

/// Runs external tools through swift-subprocess, collecting their output.
public enum ToolRunner {
    /// Runs `executable` (a path when it holds a `/`, else looked up on PATH) with `arguments`;
    /// a non-zero exit is a result, not an error.
    /// - Throws: when the tool cannot be started at all (not installed).
    public static func run(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil,
        environment: [String: String] = [:]
    ) async throws(CiloError) -> ToolResult {
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment {
            if let key = Environment.Key(rawValue: key) { updates[key] = value }
        }
        do {
            let result = try await Subprocess.run(
                executable.contains("/") ? .path(FilePath(executable)) : .name(executable), arguments: Arguments(arguments), environment: .inherit.updating(updates),
                workingDirectory: workingDirectory.map { FilePath($0) },
                output: .string(limit: 64 << 20), error: .string(limit: 8 << 20))
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            return ToolResult(status: status, output: result.standardOutput, error: result.standardError)
        } catch {
            throw CiloError(.notFound, "cannot run \(executable) (is it installed? scripts/bootstrap installs it)", cause: ErrorText(error))
        }
    }
}

/// Any error kept as its text, so it can travel as a `Sendable` cause.
struct ErrorText: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = String(describing: error) }
}
