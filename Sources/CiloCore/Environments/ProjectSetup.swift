import CiloSystem
import Foundation
import SystemPackage

/// `cilo setup`: writes `.cilo/config.yml` as the original Cilo's `setup` does (the same
/// keys), so the file works with either tool.
public struct ProjectSetup: Sendable {
    public var name: String
    public var composeFiles: [String]
    public var envFiles: [String] = []
    public var buildTool = "docker"
    public var defaultEnvironment = "dev"
    public var dnsSuffix = ""

    public init(name: String, composeFiles: [String]) {
        self.name = name
        self.composeFiles = composeFiles
    }

    /// The file's text.
    public var text: String {
        func list(_ items: [String]) -> String { items.isEmpty ? " []" : items.map { "\n  - \(Self.quoted($0))" }.joined() }
        return """
            # Written by cilo setup; the original Cilo reads it too.
            project: \(Self.quoted(name))
            build_tool: \(Self.quoted(buildTool))
            compose_files:\(list(composeFiles))
            env_files:\(list(envFiles))
            dns_suffix: \(Self.quoted(dnsSuffix))
            default_environment: \(Self.quoted(defaultEnvironment))
            copy_dot_dirs:\(list([".cilo"]))

            """
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Writes `<folder>/.cilo/config.yml`; refuses to replace one unless `force`. The
    /// compose files default to the first one Compose itself would pick; each must exist.
    /// - Returns: the path written.
    public static func write(in folder: String, name: String?, composeFiles: [String], envFiles: [String], buildTool: String,
                             defaultEnvironment: String, dnsSuffix: String, force: Bool) throws(CiloError) -> String {
        let path = folder + "/.cilo/config.yml"
        if FileManager.default.fileExists(atPath: path) && !force {
            throw CiloError(.alreadyExists, "the project already has a config (--force replaces it)", path: path)
        }
        let projectName = try NameRules.projectName(name ?? NameRules.normalize(URL(fileURLWithPath: folder).lastPathComponent))
        let files = composeFiles.isEmpty ? try ComposeRenderer.composeFiles(in: folder, configured: []) : composeFiles
        for file in files + envFiles where !FileManager.default.fileExists(atPath: folder + "/" + file) {
            throw CiloError(.notFound, "no such file in the project", path: folder + "/" + file)
        }
        guard ["docker", "podman", "nerdctl"].contains(buildTool) else {
            throw CiloError(.invalidArgument, "--build-tool must be docker, podman or nerdctl, not '\(buildTool)'")
        }
        if !dnsSuffix.isEmpty && !dnsSuffix.hasPrefix(".") {
            throw CiloError(.invalidArgument, "--dns-suffix must start with a dot, like .test, not '\(dnsSuffix)'")
        }
        var setup = ProjectSetup(name: projectName, composeFiles: files)
        setup.envFiles = envFiles
        setup.buildTool = buildTool
        setup.defaultEnvironment = try NameRules.environmentName(defaultEnvironment)
        setup.dnsSuffix = dnsSuffix
        do throws(Errno) {
            let directory = try Directories.makeAll(BytePath(folder + "/.cilo").bytes, mode: 0o755)
            defer { directory.closeIgnoringErrors() }
            try AtomicFile.write(Array(setup.text.utf8), to: FileName("config.yml"), in: directory)
        } catch {
            throw .system(error, "cannot write the project config", path: path)
        }
        _ = try ProjectConfig.load(path)
        return path
    }
}
