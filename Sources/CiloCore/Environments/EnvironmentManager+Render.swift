import CiloSystem

/// Rendering an environment's compose file.
extension EnvironmentManager {
    /// Renders the environment's compose file from its workspace: `compose config` with the
    /// active profiles, isolated, written (0600) under `$CILO_HOME/generated`.
    func render(_ record: EnvironmentRecord, profiles: [String], variables: [String: String]) async throws(CiloError) -> ComposeIsolation.Result {
        let tool = try await ComposeTool.detect(override: composeOverride)
        let isolation = ComposeIsolation(
            project: record.project, env: record.name, dockerName: record.dockerName, home: home.root.display,
            subnet: Subnet(record.subnet),
            paths: ComposePaths(workspace: record.workspace, source: record.source, home: home.root.display))
        let renderer = ComposeRenderer(tool: tool, isolation: isolation)
        return try await renderer.render(
            workspace: record.workspace, shownAs: record.source, files: record.composeSources, output: BytePath(record.composeFile),
            profiles: profiles, environment: composeEnvironment(record, extra: variables))
    }
}
