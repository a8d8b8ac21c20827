import CiloSystem
import Foundation

/// The engines of a cilo home (`$CILO_HOME/engines.json`) and where each remote environment
/// lives (`$CILO_HOME/remote/<project>/<env>.json`). Changed under `locks/engines.lock`.
public struct EngineRegistry: Sendable {
    public let home: CiloHome

    public init(home: CiloHome) {
        self.home = home
    }

    /// Where a remote environment lives: what `list`, `destroy` and every command of it go by.
    public struct Placement: Codable, Sendable, Equatable {
        public var project: String
        public var env: String
        public var engine: String
        public var createdAt: String

        public init(project: String, env: String, engine: String, createdAt: String) {
            self.project = project
            self.env = env
            self.engine = engine
            self.createdAt = createdAt
        }
    }

    private struct Stored: Codable { var engines: [Engine] = [] }

    private static let fileName = FileName("engines.json")

    /// Every engine added, by name.
    public func engines() throws(CiloError) -> [Engine] {
        (try StateFile.load(Stored.self, Self.fileName, in: home.root, what: "the engines list")?.engines ?? []).sorted { $0.name < $1.name }
    }

    /// The engine `name`, or an error naming it and the known ones.
    public func engine(_ name: String) throws(CiloError) -> Engine {
        let known = try engines()
        guard let engine = known.first(where: { $0.name == name }) else { throw Self.unknown(name, known: known) }
        return engine
    }

    private static func unknown(_ name: String, known: [Engine]) -> CiloError {
        CiloError(.notFound, "no engine '\(name)' (known: \((["local"] + known.map(\.name)).joined(separator: ", ")); cilo engines add adds one)")
    }

    /// The engines holding placements (of `project`, or of any): those the list knows, and for
    /// each one it no longer knows (removed with `--force` while a placement was written) the error.
    public func enginesHoldingPlacements(project: String?) throws(CiloError) -> (engines: [Engine], unknown: [String: CiloError]) {
        let known = try engines()
        var found: [Engine] = [], unknown: [String: CiloError] = [:]
        for name in Set(try placements(project: project).map(\.engine)).sorted() {
            if let engine = known.first(where: { $0.name == name }) { found.append(engine) } else { unknown[name] = Self.unknown(name, known: known) }
        }
        return (found, unknown)
    }

    /// Adds `engine`; a name in use is refused.
    public func add(_ engine: Engine) async throws(CiloError) {
        try await withLock { () throws(CiloError) in
            var stored = try StateFile.load(Stored.self, Self.fileName, in: home.root, what: "the engines list") ?? Stored()
            guard !stored.engines.contains(where: { $0.name == engine.name }) else {
                throw CiloError(.alreadyExists, "engine '\(engine.name)' exists (cilo engines remove \(engine.name) first)")
            }
            stored.engines.append(engine)
            try StateFile.save(stored, Self.fileName, in: home.root, home: home, what: "the engines list")
        }
    }

    /// Removes engine `name`.
    public func remove(_ name: String) async throws(CiloError) {
        try await withLock { () throws(CiloError) in
            var stored = try StateFile.load(Stored.self, Self.fileName, in: home.root, what: "the engines list") ?? Stored()
            guard stored.engines.contains(where: { $0.name == name }) else { throw CiloError(.notFound, "no engine '\(name)'") }
            stored.engines.removeAll { $0.name == name }
            try StateFile.save(stored, Self.fileName, in: home.root, home: home, what: "the engines list")
        }
    }

    /// Where `env` of `project` lives when it is on a remote engine; nil when it is local (or does not exist).
    public func placement(project: String, env: String) throws(CiloError) -> Placement? {
        try StateFile.load(Placement.self, FileName(env + ".json"), in: home.path("remote", project), what: "where \(env) runs")
    }

    /// Every remote environment (of one project, when given).
    public func placements(project: String? = nil) throws(CiloError) -> [Placement] {
        var found: [Placement] = []
        let projects = if let project { [project] } else { try home.entryNames(in: home.path("remote")) }
        for name in projects {
            for file in try home.entryNames(in: home.path("remote", name)) where file.hasSuffix(".json") {
                if let placement = try self.placement(project: name, env: String(file.dropLast(5))) { found.append(placement) }
            }
        }
        return found.sorted { ($0.project, $0.env) < ($1.project, $1.env) }
    }

    public func place(_ placement: Placement) throws(CiloError) {
        try StateFile.save(placement, FileName(placement.env + ".json"), in: home.path("remote", placement.project), home: home,
                           what: "where \(placement.env) runs")
    }

    public func forget(project: String, env: String) throws(CiloError) {
        try StateFile.remove(FileName(env + ".json"), in: home.path("remote", project), what: "where \(env) runs")
    }

    /// Runs `body` holding the engines list's lock, on a thread of cilo's: waiting for another
    /// cilo that changes the list never blocks the cooperative pool.
    private func withLock<Result: Sendable>(_ body: @escaping @Sendable () throws(CiloError) -> Result) async throws(CiloError) -> Result {
        let home = self.home
        return try await WorkerThreads.offload { () throws(CiloError) -> Result in
            let lock = try home.lock(home.path("locks", "engines.lock"))
            defer { lock.unlock() }
            return try body()
        }
    }
}
