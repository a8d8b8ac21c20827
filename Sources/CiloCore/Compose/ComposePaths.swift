/// Where the host paths of a rendered environment may point.
///
/// `compose config` runs in the workspace, so every relative path comes back absolute under
/// it. A relative path that left the project (`../outside`) would land beside the workspace,
/// in `$CILO_HOME/envs/<project>/` (another environment's workspace, perhaps): it is taken
/// back to where compose would resolve it for the source project, and named in a warning,
/// since every environment then shares it. Nothing ever resolves into `$CILO_HOME` outside
/// the environment's own workspace.
public struct ComposePaths: Sendable {
    public var workspace: String
    public var source: String
    public var home: String

    public init(workspace: String, source: String, home: String) {
        self.workspace = Self.normalized(workspace)
        self.source = Self.normalized(source)
        self.home = Self.normalized(home)
    }

    /// Where a host path of the rendered model really points.
    public enum Resolution: Equatable, Sendable {
        /// Inside the workspace: the environment's own copy.
        case workspace(String)
        /// Outside the project, shared by every environment (a warning names it).
        case outside(String)
    }

    /// Resolves an absolute host path from the rendered model.
    /// - Throws: when it would resolve into cilo's home outside the workspace.
    public func resolve(_ path: String) throws(CiloError) -> Resolution {
        let path = Self.normalized(path)
        if Self.isInside(path, workspace) { return .workspace(path) }
        guard Self.isInside(path, home) else { return .outside(path) }
        // A relative path that left the project: where it leads from the source project.
        let relative = Self.relative(from: workspace, to: path)
        let mapped = Self.normalized(source + "/" + relative)
        if Self.isInside(mapped, home) {
            throw CiloError(.invalidArgument, "a host path of the compose file leads into cilo's home (\(relative) from the project); it would reach another environment", path: mapped)
        }
        return .outside(mapped)
    }

    /// Whether `path` is `folder` or inside it (both normalised).
    static func isInside(_ path: String, _ folder: String) -> Bool {
        folder == "/" || path == folder || path.hasPrefix(folder + "/")
    }

    /// `path` with `.`, `..` and repeated slashes resolved lexically (no symlinks followed).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The relative path from folder `from` to `to` (`../x/y`).
    static func relative(from: String, to: String) -> String {
        let base = from.split(separator: "/")
        let target = to.split(separator: "/")
        var common = 0
        while common < base.count && common < target.count && base[common] == target[common] { common += 1 }
        let ups = Array(repeating: "..", count: base.count - common)
        return (ups + target[common...].map(String.init)).joined(separator: "/")
    }
}
