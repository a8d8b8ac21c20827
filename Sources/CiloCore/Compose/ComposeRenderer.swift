import CiloSystem
import Foundation
import SystemPackage
import Yams

/// Produces an environment's compose file: `compose config` of the project's files run in
/// the workspace, isolated by `ComposeIsolation`, written under `$CILO_HOME/generated`.
public struct ComposeRenderer: Sendable {
    /// The file names Compose itself looks for, in its order of preference.
    public static let standardNames = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]

    public var tool: ComposeTool
    /// Who runs `compose config`.
    public var engine: any ContainerEngine
    public var isolation: ComposeIsolation
    /// What every service that sets no limit of its own gets.
    public var limits: ResourceLimits
    /// An environment's shared services, left out of its model (nil: none are).
    public var sharing: ComposeSharing?
    /// The shared project's render: only these services, each stamped with its definition's digest.
    public var sharedServices: Set<String>?

    public init(tool: ComposeTool, engine: any ContainerEngine, isolation: ComposeIsolation, limits: ResourceLimits = ResourceLimits()) {
        self.tool = tool
        self.engine = engine
        self.isolation = isolation
        self.limits = limits
    }

    /// The compose files of a project folder: the configured ones (which must exist), else the
    /// first standard name present plus its `.override` file, as Compose picks them.
    public static func composeFiles(in directory: String, configured: [String]) throws(CiloError) -> [String] {
        let exists = { (name: String) in FileManager.default.fileExists(atPath: directory + "/" + name) }
        if !configured.isEmpty {
            for file in configured where !exists(file) {
                throw CiloError(.notFound, "the compose file named in .cilo/config.yml does not exist", path: directory + "/" + file)
            }
            return configured
        }
        guard let main = standardNames.first(where: exists) else {
            throw CiloError(.notFound, "no compose file (\(standardNames.joined(separator: ", "))) in the project", path: directory)
        }
        let base = main.hasSuffix(".yaml") ? String(main.dropLast(5)) : String(main.dropLast(4))
        let override = [base + ".override.yaml", base + ".override.yml"].first(where: exists)
        return [main] + (override.map { [$0] } ?? [])
    }

    /// Renders the workspace's compose files into `output` and returns what the rewrite found.
    public func render(
        workspace: String, shownAs projectRoot: String? = nil, files: [String], output: BytePath, profiles: [String] = [],
        environment: [String: String]
    ) async throws(CiloError) -> ComposeIsolation.Result {
        guard let (directoryPath, name) = output.parentAndName else { throw CiloError(.failed, "bad output path", path: output.display) }
        let directory: FileDescriptor
        do throws(Errno) { directory = try Directories.makeAll(directoryPath.bytes, mode: 0o700) } catch {
            throw .system(error, "cannot create the generated folder", path: directoryPath.display)
        }
        defer { directory.closeIgnoringErrors() }
        let inputs = try ComposeSourceFiles.prepare(
            files, workspace: workspace, shownAs: projectRoot ?? workspace, tool: tool, copiesIn: directory, copiesPath: directoryPath.display)
        let result = try await engine.compose(ComposeCall(
            projectName: isolation.dockerName, files: inputs.files,
            arguments: inputs.globalOptions + profiles.flatMap { ["--profile", $0] } + ["config"],
            workingDirectory: workspace, environment: environment))
        guard result.succeeded else {
            throw CiloError(.invalidArgument, "compose rejects the project: \(result.tail(2))", path: (projectRoot ?? workspace) + "/" + (files.first ?? ""))
        }
        let model: Node
        do {
            guard let node = try Yams.compose(yaml: result.output) else {
                throw CiloError(.invalidArgument, "compose config printed nothing", path: workspace)
            }
            model = node
        } catch let error as CiloError {
            throw error
        } catch {
            throw CiloError(.invalidArgument, "cannot read compose config's output: \(error)", path: workspace)
        }
        var isolated = try isolation.apply(to: model)
        if let sharedServices { try ComposeSharing.keepOnly(sharedServices, in: &isolated) }
        if let sharing { isolated.shared = try sharing.split(&isolated, dockerName: isolation.dockerName) }
        ComposeLimits.apply(limits, to: &isolated.model)
        isolated.images = try BuildImages.assignTags(&isolated, project: isolation.project)
        if sharedServices != nil { try ComposeSharing.stampDigests(&isolated) }
        let text: String
        do { text = try Yams.serialize(node: isolated.model) } catch {
            throw CiloError(.failed, "cannot write the generated compose file: \(error)")
        }
        let header = "# Generated by cilo for \(isolation.dockerName) from \(files.joined(separator: ", ")). Do not edit: re-rendered at every up.\n"
        // The resolved model holds every interpolated value, secrets included: owner only.
        do throws(Errno) { try AtomicFile.write(Array((header + text).utf8), to: name, in: directory, permissions: 0o600) } catch {
            throw .system(error, "cannot write the generated compose file", path: output.display)
        }
        return isolated
    }
}
