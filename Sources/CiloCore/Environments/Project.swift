import CiloSystem
import Foundation
import Yams

/// The project an environment belongs to: its name, its root folder and its settings.
public struct Project: Sendable, Equatable {
    /// The normalised name (`[a-z0-9-]`), part of every Docker name.
    public var name: String
    /// The folder a new environment is cloned from.
    public var root: String
    /// Compose files named in `.cilo/config.yml` (relative to the root); empty means Compose's own defaults.
    public var composeFiles: [String]
    /// The subnet pool from `.cilo/config.yml`, if set.
    public var subnetPool: String?
    /// `exclude:` in `.cilo/config.yml`: what workspaces leave out (`cilo clone --exclude` patterns).
    public var excludes: [String] = []
    /// Said to the user when the name had to be normalised.
    public var notice: String?
    /// Everything `.cilo/config.yml` says (the original Cilo's keys included).
    public var config = ProjectConfig()

    /// Finds the project for `directory`: `explicit` if given, else `project:` in the
    /// nearest `.cilo/config.yml` upward, else the git top level's name, else the folder's.
    public static func resolve(explicit: String?, from directory: String) throws(CiloError) -> Project {
        guard !directory.isEmpty else {
            throw CiloError(.notFound, "the current folder has no path any more (was it deleted or replaced?): cd into the project again")
        }
        let start = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard start.hasPrefix("/") else { throw CiloError(.notFound, "the project folder has no absolute path", path: directory) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: start, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CiloError(.notFound, "the project folder does not exist", path: start)
        }
        let configRoot = nearest(from: start) { FileManager.default.fileExists(atPath: $0 + "/.cilo/config.yml") }
        let config = try configRoot.map { root throws(CiloError) in try ProjectConfig.load(root + "/.cilo/config.yml") }
        let gitRoot = nearest(from: start) { FileManager.default.fileExists(atPath: $0 + "/.git") }
        let root = configRoot ?? gitRoot ?? start
        let name: String
        var notice: String?
        if let chosen = explicit ?? config?.project {
            // A name someone chose is used as given (upper case lower-cased) or refused, never rewritten.
            name = try NameRules.projectName(chosen)
        } else {
            // A folder's name was nobody's choice of a cilo name: made usable, and said so.
            let folder = URL(fileURLWithPath: root).lastPathComponent
            name = NameRules.isValid(folder) ? folder.lowercased() : NameRules.normalize(folder)
            guard !name.isEmpty else {
                throw CiloError(.invalidArgument, "the folder name '\(folder)' cannot be a project name: pass --project NAME or set project: in .cilo/config.yml")
            }
            if name != folder.lowercased() {
                notice = "project name '\(name)' from the folder '\(folder)' (--project or project: in .cilo/config.yml sets another)"
            }
        }
        var project = Project(
            name: name, root: root, composeFiles: config?.composeFiles ?? [], subnetPool: config?.subnetPool,
            excludes: config?.excludePatterns ?? [], notice: notice)
        project.config = config ?? ProjectConfig()
        return project
    }

    /// The first folder from `start` upward for which `matches` holds.
    private static func nearest(from start: String, _ matches: (String) -> Bool) -> String? {
        var current = start
        while true {
            if matches(current) { return current }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return nil }
            current = parent
        }
    }
}
