import CiloSystem
import Foundation

/// Rendering an environment's compose file.
extension ComposeStack {
    /// Renders the environment's compose file from its workspace: `compose config` with the
    /// active profiles, isolated, limited, written (0600) under `$CILO_HOME/generated`.
    /// `freshCopy`: the workspace was cloned from the source just now (a create), so its model is
    /// the source's and needs no judging against it.
    func render(_ record: EnvironmentRecord, request: EnvironmentRequest, freshCopy: Bool = false) async throws(CiloError) -> ComposeIsolation.Result {
        let profiles = request.profiles
        let tool = try await engine.composeTool()
        var isolation = ComposeIsolation(
            project: record.project, env: record.name, dockerName: record.dockerName, home: home.root.display,
            subnet: Subnet(record.subnet),
            paths: ComposePaths(workspace: record.workspace, source: record.source, home: home.root.display),
            defaultIngress: project.config.defaultIngressService)
        isolation.volumeFolder = record.volumeFolder
        var renderer = ComposeRenderer(tool: tool, engine: engine, isolation: isolation, limits: defaultLimits(record))
        renderer.sharing = ComposeSharing(choice: record.sharing ?? SharingChoice())
        var result = try await renderer.render(
            workspace: record.workspace, shownAs: record.source, files: record.composeSources, output: BytePath(record.composeFile),
            profiles: profiles, environment: try composeEnvironment(record, extra: request.variables))
        if !freshCopy { try await judgeHostPowers(result, record: record, request: request, tool: tool) }
        result.hostnames += project.config.hostnames.map { $0.lowercased() }.filter { DNSSettings.isLabel($0) && !result.hostnames.contains($0) }
        if let tool = project.config.buildTool, tool != "docker" {
            result.warnings.append("build_tool: \(tool) in .cilo/config.yml is not used: cilo drives Docker")
        }
        if let suffix = project.config.dnsSuffix, let served = EnvironmentNames(context: context).dnsSettings?.suffix, suffix != served {
            result.warnings.append("dns_suffix: \(suffix) in .cilo/config.yml differs from cilo's DNS suffix \(served) (cilo init --suffix sets it); names use \(served)")
        }
        return result
    }

    /// The limits of services that set none: those given to this environment (`--memory`,
    /// kept in its record), over the project's `limits:`.
    func defaultLimits(_ record: EnvironmentRecord) -> ResourceLimits {
        (record.limits ?? ResourceLimits()).over(project.config.limits)
    }

    /// A restart gives the agent no new power: what the workspace's model reaches of the host
    /// (`HostPower`) beyond what the source's model reaches is refused, in one line naming each
    /// service and setting, unless trusted (`--trust-workspace`, `trust_workspace:`). The source
    /// is rendered only when the workspace's model has any such setting.
    private func judgeHostPowers(
        _ result: ComposeIsolation.Result, record: EnvironmentRecord, request: EnvironmentRequest, tool: ComposeTool
    ) async throws(CiloError) {
        let trusted = project.config.trustWorkspace
        guard !request.trustsWorkspace, !trusted.contains("all") else { return }
        let asked = HostPower.find(in: result.model, root: record.workspace, ownVolumes: record.volumeFolder).filter { !trusted.contains($0.kind) }
        guard !asked.isEmpty else { return }
        let allowed = try await sourceHostPowers(record, request: request, tool: tool)
        let added = asked.subtracting(allowed).sorted()
        guard !added.isEmpty else { return }
        throw CiloError(
            .refused,
            "the workspace's compose file reaches the host where the source's does not: "
                + added.map(\.description).joined(separator: "; ")
                + " (--trust-workspace starts it anyway; trust_workspace: in .cilo/config.yml allows a kind)",
            path: record.workspace)
    }

    /// What the source's own compose model reaches of the host, rendered as the environment's is.
    private func sourceHostPowers(_ record: EnvironmentRecord, request: EnvironmentRequest, tool: ComposeTool) async throws(CiloError) -> Set<HostPower> {
        var isolation = ComposeIsolation(
            project: record.project, env: record.name, dockerName: record.dockerName, home: home.root.display,
            subnet: Subnet(record.subnet), paths: ComposePaths(workspace: record.source, source: record.source, home: home.root.display),
            defaultIngress: project.config.defaultIngressService)
        isolation.volumeFolder = record.volumeFolder
        var renderer = ComposeRenderer(tool: tool, engine: engine, isolation: isolation, limits: defaultLimits(record))
        renderer.sharing = ComposeSharing(choice: record.sharing ?? SharingChoice())
        let scratch = try ScratchFiles(home: home)
        defer { scratch.removeAll() }
        let shell = ProcessInfo.processInfo.environment
        let variables = try EnvFile.variables(project.config.envFiles, workspace: record.source, shell: shell)
            .merging(request.variables) { $1 }.merging(record.composeVariables) { $1 }
        let rendered = try await renderer.render(
            workspace: record.source, files: record.composeSources, output: scratch.folder.appending(FileName("source.yml")),
            profiles: request.profiles, environment: variables)
        return HostPower.find(in: rendered.model, root: record.source, ownVolumes: record.volumeFolder)
    }
}
