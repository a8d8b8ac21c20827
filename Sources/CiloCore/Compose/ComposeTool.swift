/// Which Compose cilo drives: v2 (`docker compose`) or v1 (`docker-compose`).
public struct ComposeTool: Sendable, Equatable {
    public var executable: String
    /// Words before the compose arguments (`["compose"]` for v2).
    public var prefix: [String]

    public static let v2 = ComposeTool(executable: "docker", prefix: ["compose"])
    public static let v1 = ComposeTool(executable: "docker-compose", prefix: [])

    /// `$CILO_COMPOSE` ("docker compose" or "docker-compose"), else v2 when `docker compose version` works, else v1.
    public static func detect(override: String?) async throws(CiloError) -> ComposeTool {
        if let override, !override.isEmpty {
            let words = override.split(separator: " ").map(String.init)
            guard let first = words.first else { return .v1 }
            return ComposeTool(executable: first, prefix: Array(words.dropFirst()))
        }
        if let result = try? await ToolRunner.run("docker", ["compose", "version"]), result.succeeded { return .v2 }
        if let result = try? await ToolRunner.run("docker-compose", ["version"]), result.succeeded { return .v1 }
        throw CiloError(.notFound, "neither `docker compose` nor `docker-compose` works: install one (scripts/bootstrap installs docker-compose)")
    }

    /// The full argument list for `compose ARGS` of the cilo project `projectName`.
    func arguments(projectName: String, files: [String], _ arguments: [String]) -> [String] {
        prefix + ["-p", projectName] + files.flatMap { ["-f", $0] } + arguments
    }
}
