import Foundation
import Yams

/// `.cilo/config.yml`: cilo's own settings and every key the original Cilo's `setup`
/// writes, with its `env:` block, so an existing Cilo project loads unchanged. An unknown
/// key, at any level, is an error naming it.
public struct ProjectConfig: Sendable, Equatable {
    public var project: String?
    public var composeFiles: [String]?
    public var subnetPool: String?
    public var exclude: [String]?
    /// Files of `KEY=VALUE` lines (relative to the workspace) for compose's interpolation.
    public var envFiles: [String] = []
    /// The original's per-project suffix; cilo's DNS serves the suffix `cilo init` set.
    public var dnsSuffix: String?
    /// The original's `build_tool` (docker, podman, nerdctl); cilo drives Docker.
    public var buildTool: String?
    public var defaultEnvironment: String?
    public var defaultIngressService: String?
    public var hostnames: [String] = []
    public var environments: [String] = []
    /// Dot-folders the original copied (cilo copies every folder) and left out (`ignore_dot_dirs`: excluded).
    public var copyDotDirs: [String] = []
    public var ignoreDotDirs: [String] = []
    /// The `env:` block: init hook, `.env*` copy policy, render rules.
    public var env = WorkspaceRules()
    /// `limits:`: what every service that sets none may use.
    public var limits = ResourceLimits()
    /// `max_environments:`: how many of the project's environments may run at once.
    public var maxEnvironments: Int?
    /// `reserve_memory:`: memory left free; an environment does not start into it.
    public var reserveMemory: MemoryReserve?
    /// `sandbox:`: every `cilo run` confined (`--no-sandbox` overrides).
    public var sandbox = false
    /// `trust_workspace:`: the kinds of host-reaching settings (`HostPower.kinds`) a workspace's
    /// compose file may add to the source's; `all` for every kind (as `--trust-workspace`).
    public var trustWorkspace: [String] = []
    /// `workspace:`: how `--strategy auto` makes workspaces.
    public var workspace = WorkspaceSetting.auto
    /// `shared_grace:`: seconds a shared service nobody uses keeps running (0: it stops at once).
    public var sharedGraceSeconds: Double = 60
    /// `engine:`: where new environments go (an engine's name, `local` or `auto`); nil: this machine.
    public var engine: String?
    /// `template:`: the environment new ones are forked from while the project is unchanged since it was made.
    public var template: String?

    /// What `workspace:` allows `--strategy auto` to make.
    public enum WorkspaceSetting: String, Sendable, CaseIterable {
        /// A snapshot where the home can take one, else an overlay where cilo may mount, else a clone.
        case auto
        /// Always a clone of its own (snapshot, reflink or copy): never an overlay.
        case clone
        /// An overlay, or an error saying why not.
        case overlay
    }

    static let settings = [
        "project", "compose_files", "subnet_pool", "exclude", "env_files", "dns_suffix", "build_tool",
        "default_environment", "default_ingress_service", "hostnames", "environments", "copy_dot_dirs", "ignore_dot_dirs", "env",
        "limits", "max_environments", "reserve_memory", "workspace", "sandbox", "shared_grace", "engine", "template",
        "trust_workspace",
    ]

    public init() {}

    /// Reads and checks the file at `path`.
    public static func load(_ path: String) throws(CiloError) -> ProjectConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CiloError(.failed, "cannot read the project config", path: path)
        }
        let loaded: Any?
        do {
            if let root = try Yams.compose(yaml: text), YAMLExpansion.exceedsLimit(root) {
                throw CiloError(.invalidArgument, "the project config's aliases expand to more than \(YAMLExpansion.limit) nodes: refused", path: path)
            }
            loaded = try Yams.load(yaml: text)
        } catch let error as CiloError {
            throw error
        } catch {
            throw CiloError(.invalidArgument, "the project config is not valid YAML: \(ComposeSourceFiles.oneLine(error))", path: path)
        }
        guard let map = loaded as? [String: Any] else {
            if loaded == nil { return ProjectConfig() }
            throw CiloError(.invalidArgument, "the project config must be a mapping of settings", path: path)
        }
        let reader = ConfigReader(path: path)
        try reader.checkKeys(map, known: settings, within: nil)
        var config = ProjectConfig()
        config.project = try reader.string(map, "project")
        if let files = try reader.strings(map, "compose_files") {
            guard !files.isEmpty else { throw reader.error("compose_files: must be a list of file names") }
            config.composeFiles = files
        }
        config.subnetPool = try reader.string(map, "subnet_pool")
        if let patterns = try reader.strings(map, "exclude") {
            guard patterns.allSatisfy({ !$0.isEmpty }) else { throw reader.error("exclude: must be a list of names or paths like node_modules or /build") }
            config.exclude = patterns
        }
        config.envFiles = try reader.strings(map, "env_files") ?? []
        for file in config.envFiles { try reader.checkRelative(file, "env_files") }
        config.dnsSuffix = try reader.string(map, "dns_suffix")
        config.buildTool = try reader.string(map, "build_tool")
        config.defaultEnvironment = try reader.string(map, "default_environment")
        config.engine = try reader.string(map, "engine")
        if let template = try reader.string(map, "template") {
            do throws(CiloError) { config.template = try NameRules.environmentName(template) } catch {
                throw reader.error("template: \(error.message)")
            }
        }
        config.defaultIngressService = try reader.string(map, "default_ingress_service")
        config.hostnames = try reader.strings(map, "hostnames") ?? []
        config.environments = try reader.strings(map, "environments") ?? []
        config.copyDotDirs = try reader.strings(map, "copy_dot_dirs") ?? []
        config.ignoreDotDirs = try reader.strings(map, "ignore_dot_dirs") ?? []
        if let env = map["env"] {
            guard let block = env as? [String: Any] else { throw reader.error("env: must be a mapping (init_hook, copy_mode, copy, ignore, render)") }
            config.env = try WorkspaceRules.read(block, reader)
        }
        try readCapacity(map, reader, into: &config)
        if let value = map["sandbox"], !(value is NSNull) {
            guard let enabled = value as? Bool else { throw reader.error("sandbox: must be true or false") }
            config.sandbox = enabled
        }
        config.trustWorkspace = try reader.strings(map, "trust_workspace") ?? []
        for kind in config.trustWorkspace where kind != "all" && !HostPower.kinds.contains(kind) {
            throw reader.error("trust_workspace: '\(kind)' is not one of all, \(HostPower.kinds.joined(separator: ", "))")
        }
        if let text = try reader.string(map, "workspace") {
            guard let setting = WorkspaceSetting(rawValue: text) else {
                throw reader.error("workspace: '\(text)' is not auto, clone or overlay")
            }
            config.workspace = setting
        }
        return config
    }

    /// `limits:`, `max_environments:` and `reserve_memory:`.
    private static func readCapacity(_ map: [String: Any], _ reader: ConfigReader, into config: inout ProjectConfig) throws(CiloError) {
        if let block = map["limits"], !(block is NSNull) {
            guard let limits = block as? [String: Any] else { throw reader.error("limits: must be a mapping (memory, cpus, pids)") }
            try reader.checkKeys(limits, known: ["memory", "cpus", "pids"], within: "limits")
            do throws(CiloError) {
                config.limits = try ResourceLimits.parse(
                    memory: try reader.scalar(limits, "memory", in: "limits"), cpus: try reader.scalar(limits, "cpus", in: "limits"),
                    pids: try reader.scalar(limits, "pids", in: "limits"), names: ("limits.memory", "limits.cpus", "limits.pids"))
            } catch {
                throw reader.error(error.message)
            }
        }
        if let text = try reader.scalar(map, "max_environments") {
            do throws(CiloError) { config.maxEnvironments = try AdmissionLimits.parseCount(text, name: "max_environments") } catch {
                throw reader.error(error.message)
            }
        }
        if let text = try reader.scalar(map, "shared_grace") {
            guard let seconds = Double(text), seconds >= 0, seconds <= 86400 * 7, seconds.isFinite else {
                throw reader.error("shared_grace: '\(text)' is not a number of seconds (0 stops a shared service as soon as nobody uses it)")
            }
            config.sharedGraceSeconds = seconds
        }
        if let text = try reader.scalar(map, "reserve_memory") {
            guard let reserve = MemoryReserve(text) else {
                throw reader.error("reserve_memory: '\(text)' is not a size (like 2g) or a share of the memory (like 10%)")
            }
            config.reserveMemory = reserve
        }
    }

    /// What workspaces leave out: `exclude:` and the original's `ignore_dot_dirs`.
    var excludePatterns: [String] { (exclude ?? []) + ignoreDotDirs }
}

/// Reads typed values out of a loaded config, with errors naming the key and the file.
struct ConfigReader {
    let path: String

    func error(_ message: String) -> CiloError { CiloError(.invalidArgument, message, path: path) }

    func checkKeys(_ map: [String: Any], known: [String], within parent: String?) throws(CiloError) {
        guard let unknown = map.keys.sorted().first(where: { !known.contains($0) }) else { return }
        let name = parent.map { "\($0).\(unknown)" } ?? unknown
        throw error("unknown setting '\(name)' (known\(parent.map { " in \($0)" } ?? ""): \(known.joined(separator: ", ")))")
    }

    func string(_ map: [String: Any], _ key: String, in parent: String? = nil) throws(CiloError) -> String? {
        guard let value = map[key] else { return nil }
        if let text = value as? String { return text }
        if value is NSNull { return nil }
        // A scalar YAML read as a number or a flag (`init_hook: true`) was meant as its text.
        if let flag = value as? Bool { return flag ? "true" : "false" }
        if let number = value as? Int { return String(number) }
        throw error("\(parent.map { "\($0)." } ?? "")\(key): must be a string")
    }

    /// A number or a string, as its text (`cpus: 0.5` and `cpus: "0.5"` alike).
    func scalar(_ map: [String: Any], _ key: String, in parent: String? = nil) throws(CiloError) -> String? {
        guard let value = map[key], !(value is NSNull) else { return nil }
        if let number = value as? Int { return String(number) }
        if let number = value as? Double { return String(number) }
        if let text = value as? String { return text }
        throw error("\(parent.map { "\($0)." } ?? "")\(key): must be a number or a string, not \(type(of: value))")
    }

    func strings(_ map: [String: Any], _ key: String, in parent: String? = nil) throws(CiloError) -> [String]? {
        guard let value = map[key] else { return nil }
        if value is NSNull { return nil }
        guard let list = value as? [String] else { throw error("\(parent.map { "\($0)." } ?? "")\(key): must be a list of strings") }
        return list
    }

    func bool(_ map: [String: Any], _ key: String, in parent: String) throws(CiloError) -> Bool? {
        guard let value = map[key] else { return nil }
        guard let flag = value as? Bool else { throw error("\(parent).\(key): must be true or false") }
        return flag
    }

    /// A path inside the project: relative, never leaving it.
    func checkRelative(_ file: String, _ key: String) throws(CiloError) {
        let inside = ComposePaths.normalized("/p/" + file)
        guard !file.hasPrefix("/"), ComposePaths.isInside(inside, "/p"), inside != "/p" else {
            throw error("\(key): '\(file)' must be a path inside the project")
        }
    }
}
