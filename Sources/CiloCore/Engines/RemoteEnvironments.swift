import CiloSystem
import Foundation

/// Environments on remote engines, as this machine's commands see them: placing a new one,
/// and listing every engine's.
public struct RemoteEnvironments: Sendable {
    public let home: CiloHome

    public init(home: CiloHome) {
        self.home = home
    }

    public var registry: EngineRegistry { EngineRegistry(home: home) }

    /// Before `create`, `up` or `run --engine NAME` of a new `env`: checks the name is not taken
    /// here, makes the engine ready (Docker, Compose, architecture, this cilo) and syncs the
    /// source, then records where the environment lives. When any step fails nothing is
    /// recorded here, and there only the synced source (and cilo's binary) are left.
    /// - Returns: the engine and whether the source was synced (false: unchanged since the last sync).
    public func place(_ env: String, project: Project, on name: String) async throws(CiloError) -> (engine: Engine, synced: Bool) {
        let engine = try registry.engine(name)
        if try StateStore(home: home).load(project: project.name, env: env) != nil {
            throw CiloError(.alreadyExists, "environment '\(env)' of project '\(project.name)' exists on this machine (engine local): another name, or cilo destroy \(env) first")
        }
        if let placed = try registry.placement(project: project.name, env: env), placed.engine != name {
            throw CiloError(.alreadyExists, "environment '\(env)' of project '\(project.name)' lives on engine \(placed.engine), not \(name)")
        }
        try Self.checkSyncable(project)
        let remote = RemoteEngine(engine: engine)
        let facts = try await remote.prepare()
        let synced = try await remote.sync(project, home: home, engineHasRsync: facts.hasRsync)
        if try registry.placement(project: project.name, env: env) == nil {
            try registry.place(EngineRegistry.Placement(
                project: project.name, env: env, engine: name, createdAt: ISO8601DateFormatter().string(from: Date())))
        }
        return (engine, synced)
    }

    /// After the engine's cilo removed `env` itself (`cilo run --rm` there): forgets it here
    /// when the engine says it is gone. Asked, not assumed: one the engine's cilo could not
    /// remove (it said so) stays known here.
    public func forgetIfGone(_ env: String, project: String, on engine: Engine) async throws(CiloError) {
        let status = try await RemoteEngine(engine: engine).cilo(["status", env], project: project)
        if !status.succeeded && status.error.contains("no environment '\(env)'") {
            try registry.forget(project: project, env: env)
        }
    }

    /// An engine gets the project's folder only: a compose file the config names outside it
    /// would be missing there. - Throws: naming the first such file.
    static func checkSyncable(_ project: Project) throws(CiloError) {
        let root = ComposePaths.normalized(project.root)
        for file in project.composeFiles {
            let path = ComposePaths.normalized(file.hasPrefix("/") ? file : project.root + "/" + file)
            guard path.hasPrefix(root + "/") else {
                throw CiloError(.unsupported, "compose file \(file) is outside the project folder, and an engine gets only the folder: "
                    + "move it inside, or run this environment here")
            }
        }
    }

    /// One environment as a remote engine's `cilo list --json` gives it.
    public struct Listed: Decodable, Sendable {
        public var project: String
        public var name: String
        public var status: String
        public var subnet: String
        public var workspace: String
        public var createdAt: String
        public var services: [ServiceRecord]
    }

    /// What `list` shows of the remote environments (of `project`, or all): one `cilo list` per
    /// engine that holds any, all engines asked at once. An engine that does not answer is one
    /// warning and its environments show as `unreachable`; an environment an engine that answers
    /// does not know (a create that failed there) is forgotten here once it is a minute old.
    public func list(project: String?) async throws(CiloError) -> (environments: [(engine: String, listed: Listed)], warnings: [String]) {
        let placements = try registry.placements(project: project)
        let names = Set(placements.map(\.engine)).sorted()
        let holding = try registry.enginesHoldingPlacements(project: project)
        var answers = holding.unknown.mapValues { Result<[Listed], CiloError>.failure($0) }
        for (engine, answer) in zip(holding.engines, await RemoteEngine.askingEach(holding.engines, Self.listed)) { answers[engine.name] = answer }
        var environments: [(engine: String, listed: Listed)] = []
        var warnings: [String] = []
        for name in names {
            let here = placements.filter { $0.engine == name }
            var answer: [Listed]?
            switch answers[name] {
            case .success(let listed): answer = listed
            case .failure(let error):
                warnings.append("\(error.description): its \(here.count) environment\(here.count == 1 ? "" : "s") shown as unreachable")
            case nil: break
            }
            for placement in here {
                guard let answer else {
                    environments.append((name, Self.placeholder(placement, status: "unreachable")))
                    continue
                }
                if let found = answer.first(where: { $0.project == placement.project && $0.name == placement.env }) {
                    environments.append((name, found))
                    continue
                }
                let age = ISO8601DateFormatter().date(from: placement.createdAt).map { Date().timeIntervalSince($0) } ?? 0
                if age > 60 {
                    try registry.forget(project: placement.project, env: placement.env)
                } else {
                    environments.append((name, Self.placeholder(placement, status: "creating")))
                }
            }
        }
        return (environments, warnings)
    }

    /// Every environment the engine's cilo knows (`cilo list --all --json`).
    @Sendable private static func listed(_ remote: RemoteEngine) async throws(CiloError) -> [Listed] {
        let name = remote.engine.name
        let result = try await remote.cilo(["list", "--all", "--json"], project: nil)
        guard result.succeeded else { throw CiloError(.failed, "engine \(name): cilo list failed there: \(result.tail(1))") }
        do { return try JSONDecoder().decode([Listed].self, from: Data(result.output.utf8)) } catch {
            throw CiloError(.failed, "engine \(name): cannot read its cilo list", cause: ErrorText(error))
        }
    }

    private static func placeholder(_ placement: EngineRegistry.Placement, status: String) -> Listed {
        Listed(project: placement.project, name: placement.env, status: status, subnet: "", workspace: "", createdAt: placement.createdAt, services: [])
    }
}
