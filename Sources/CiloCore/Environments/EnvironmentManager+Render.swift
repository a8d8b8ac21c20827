import CiloSystem

/// Rendering an environment's compose file.
extension EnvironmentManager {
    /// Renders the environment's compose file from its workspace: `compose config` with the
    /// active profiles, isolated, limited, written (0600) under `$CILO_HOME/generated`.
    func render(_ record: EnvironmentRecord, request: EnvironmentRequest) async throws(CiloError) -> ComposeIsolation.Result {
        let profiles = request.profiles
        let tool = try await ComposeTool.detect(override: composeOverride)
        let isolation = ComposeIsolation(
            project: record.project, env: record.name, dockerName: record.dockerName, home: home.root.display,
            subnet: Subnet(record.subnet),
            paths: ComposePaths(workspace: record.workspace, source: record.source, home: home.root.display),
            defaultIngress: project.config.defaultIngressService)
        var renderer = ComposeRenderer(tool: tool, isolation: isolation, limits: defaultLimits(record))
        renderer.sharing = ComposeSharing(choice: record.sharing ?? SharingChoice())
        var result = try await renderer.render(
            workspace: record.workspace, shownAs: record.source, files: record.composeSources, output: BytePath(record.composeFile),
            profiles: profiles, environment: try composeEnvironment(record, extra: request.variables))
        result.hostnames += project.config.hostnames.map { $0.lowercased() }.filter { DNSSettings.isLabel($0) && !result.hostnames.contains($0) }
        if let tool = project.config.buildTool, tool != "docker" {
            result.warnings.append("build_tool: \(tool) in .cilo/config.yml is not used: cilo drives Docker")
        }
        if let suffix = project.config.dnsSuffix, let served = dnsSettings?.suffix, suffix != served {
            result.warnings.append("dns_suffix: \(suffix) in .cilo/config.yml differs from cilo's DNS suffix \(served) (cilo init --suffix sets it); names use \(served)")
        }
        return result
    }

    /// The limits of services that set none: those given to this environment (`--memory`,
    /// kept in its record), over the project's `limits:`.
    func defaultLimits(_ record: EnvironmentRecord) -> ResourceLimits {
        (record.limits ?? ResourceLimits()).over(project.config.limits)
    }
}
