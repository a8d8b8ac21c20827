import CiloSystem
import Foundation
import SystemPackage

/// Who uses a project's shared services, kept in `$CILO_HOME/shared/<project>/state.json`
/// and changed only under `locks/<project>/shared.lock`.
///
/// The list of users is what cilo wrote; a user counts only while it is alive (`isAlive`):
/// its record says it runs, or another cilo holds its lock (coming up now). A cilo killed
/// between writing a user and starting it therefore never keeps a shared service up for ever.
public struct SharedServiceState: Codable, Sendable, Equatable {
    /// One shared service of the project.
    public struct Service: Codable, Sendable, Equatable {
        /// The environments that joined it, as written.
        public var users: [String] = []
        /// When it stops, nobody using it (seconds since 1970); nil while used or stopped.
        public var stopAt: Double?

        public init() {}
    }

    public var services: [String: Service] = [:]
    /// `shared_grace:` of the project when it was last written: seconds a service nobody uses keeps running.
    public var graceSeconds: Double = 60

    public init() {}

    static let fileName = FileName("state.json")

    /// The project's folder of shared-service files (the state and the rendered compose file).
    public static func folder(project: String, home: CiloHome) -> BytePath { home.path("shared", project) }

    /// The project's lock for its shared services.
    static func lockFile(project: String, home: CiloHome) -> BytePath { home.path("locks", project, "shared.lock") }

    /// The compose project (and default network) of a project's shared services. No
    /// environment's can be it: environment names are never empty.
    public static func dockerName(project: String) -> String { "cilo_\(project)__shared" }

    /// The state, empty when the project never shared a service; a file that cannot be read is an error.
    public static func load(project: String, home: CiloHome) throws(CiloError) -> SharedServiceState {
        try StateFile.load(SharedServiceState.self, fileName, in: folder(project: project, home: home), what: "the shared services' state")
            ?? SharedServiceState()
    }

    /// Whether the project has a state file (any shared service was ever started).
    static func exists(project: String, home: CiloHome) throws(CiloError) -> Bool {
        try home.exists(folder(project: project, home: home).appending(fileName))
    }

    /// Writes the state atomically (the caller holds the project's shared lock).
    func save(project: String, home: CiloHome) throws(CiloError) {
        try StateFile.save(self, Self.fileName, in: Self.folder(project: project, home: home), home: home, what: "the shared services' state")
    }

    /// Whether `env` of `project` still uses what it joined: its record says it runs, or
    /// another cilo holds its lock now (coming up, going down: that cilo joins or leaves).
    static func isAlive(project: String, env: String, home: CiloHome) throws(CiloError) -> Bool {
        // No record: destroyed, or never made (a user can only be written once its record exists).
        let found: EnvironmentRecord?
        do throws(CiloError) { found = try StateStore(home: home).load(project: project, env: env) } catch where error.code == .damaged {
            return true  // its state cannot be read: it may run, so it keeps what it uses
        }
        guard let record = found else { return false }
        if record.status == .running || record.status == .partial { return true }
        guard let lock = try home.tryLock(home.lockFile(project: project, env: env)) else { return true }
        lock.unlock()
        return false
    }

    /// The users of `service` that are alive; `except` (the caller's own environment, whose lock it holds) is left out.
    func liveUsers(of service: String, project: String, home: CiloHome, except: String? = nil) throws(CiloError) -> [String] {
        var alive: [String] = []
        for user in services[service]?.users ?? [] where user != except {
            if try Self.isAlive(project: project, env: user, home: home) { alive.append(user) }
        }
        return alive
    }
}
