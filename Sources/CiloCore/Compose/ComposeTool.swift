import CiloSystem
import Foundation
import Synchronization

/// Which Compose cilo drives: v2 (`docker compose`) or v1 (`docker-compose`).
public struct ComposeTool: Sendable, Equatable {
    public var executable: String
    /// Words before the compose arguments (`["compose"]` for v2).
    public var prefix: [String]

    public static let v2 = ComposeTool(executable: "docker", prefix: ["compose"])
    public static let v1 = ComposeTool(executable: "docker-compose", prefix: [])

    /// The answer of the first detection; one process asks once.
    private static let detected = Mutex<ComposeTool?>(nil)

    /// `$CILO_COMPOSE` ("docker compose", "docker-compose", or an absolute path to either
    /// program), else v2 when `docker compose version` works, else v1 when `docker-compose`
    /// is on PATH.
    public static func detect(override: String?) async throws(CiloError) -> ComposeTool {
        if let override, !override.isEmpty {
            let words = override.split(separator: " ").map(String.init)
            guard let first = words.first else { return .v1 }
            return try await identified(ComposeTool(executable: first, prefix: Array(words.dropFirst())))
        }
        if let known = detected.withLock({ $0 }) { return known }
        let tool: ComposeTool
        // No docker CLI, or no compose plugin in it: v1 is tried next, and its absence is the error.
        if let result = try? await ToolRunner.run("docker", ["compose", "version"]), result.succeeded {
            tool = .v2
        } else if HostFacts.executableOnPath("docker-compose") {
            tool = .v1
        } else {
            throw CiloError(.notFound, "neither `docker compose` nor `docker-compose` works: install one (scripts/bootstrap installs docker-compose)")
        }
        detected.withLock { $0 = tool }
        return try await identified(tool)
    }

    /// The tool with its major version learned (asked once per process).
    private static func identified(_ tool: ComposeTool) async throws(CiloError) -> ComposeTool {
        if let known = versions.withLock({ $0[tool.key] }) { return known }
        let result = try await ToolRunner.run(tool.executable, tool.prefix + ["version", "--short"])
        guard result.succeeded else {
            throw CiloError(.notFound, "\(([tool.executable] + tool.prefix).joined(separator: " ")) does not run: \(result.tail(1))")
        }
        var known = tool
        let version = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        known.majorVersion = Int(version.drop { !$0.isNumber }.prefix { $0.isNumber }) ?? 2
        versions.withLock { $0[tool.key] = known }
        return known
    }

    private static let versions = Mutex<[String: ComposeTool]>([:])
    private var key: String { ([executable] + prefix).joined(separator: " ") }

    /// The major version (1 for the Python docker-compose), learned by `detect`.
    public var majorVersion = 2

    /// Compose v1 rejects a top-level `name:` in a compose file.
    var cannotParseProjectName: Bool { majorVersion < 2 }

    /// The full argument list for `compose ARGS` of the cilo project `projectName`.
    func arguments(projectName: String, files: [String], _ arguments: [String]) -> [String] {
        prefix + ["-p", projectName] + files.flatMap { ["-f", $0] } + arguments
    }
}
