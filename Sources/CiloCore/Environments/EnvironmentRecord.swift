import Foundation

/// What cilo knows about one environment, stored as JSON under `$CILO_HOME/state`. Records
/// earlier versions wrote are read through `RecordMigration`, which brings them to
/// `schemaVersion` 2 (the next save writes them so).
public struct EnvironmentRecord: Codable, Sendable, Equatable {
    /// The lifecycle as cilo last left it; `list` reconciles it with Docker.
    public enum Status: String, Codable, Sendable {
        case creating, created, running, partial, stopped, failed
        /// Destroy has begun removing it; a repeated destroy or `cilo doctor --fix` finishes.
        case destroying
        /// Its state file cannot be read: shown, never stored; its objects are left alone.
        case damaged

        /// Neither being made, destroyed nor damaged: it may be copied (fork, checkpoint) or restored.
        public var isSettled: Bool { [.created, .running, .partial, .stopped, .failed].contains(self) }
    }

    /// How its workspace was made, as the clone report names it.
    public enum WorkspaceMethod: String, Codable, Sendable {
        case snapshot, reflink, copy, overlay
        case copyRange = "copy-range"
        /// Files cloned by more than one method (reflink where it could, copies elsewhere).
        case mixed
        /// Not made yet (a record being created), or shown for a damaged one.
        case none = ""

        /// The method a clone report names; nil for a name no cilo writes.
        init?(reportName: String) { self.init(rawValue: reportName) }
    }

    /// The shape of this record's file: 2 since the lifecycle was split (1: every earlier one).
    public var schemaVersion = RecordMigration.currentVersion
    public var project: String
    public var name: String
    /// The environment's own /24, e.g. `10.224.3.0/24`.
    public var subnet: String
    public var workspace: String
    /// The directory the workspace was cloned from.
    public var source: String
    /// The generated compose file (outside the workspace).
    public var composeFile: String
    /// The compose files of the project, relative to the workspace.
    public var composeSources: [String]
    public var createdAt: String
    public var status: Status
    public var services: [ServiceRecord]
    /// How the workspace was made (`snapshot`, `reflink`, `overlay`, ...).
    public var cloneStrategy: WorkspaceMethod
    public var lastError: String?
    /// The service `CILO_BASE_URL` points at (label `dev.cilo.ingress=true`, else web, app, frontend or nginx).
    public var ingressService: String?
    /// Extra names under the apex: from the `dev.cilo.hostnames` label and `cilo hostnames add`.
    /// (Optional so records written before hostnames existed still load.)
    public var labelHostnames: [String]?
    public var addedHostnames: [String]?
    /// The compose project and network name: `cilo_<project>_<env>`, or the old
    /// `cilo-<project>-<env>` of environments made before names were unambiguous.
    public var composeProject: String
    /// What isolation could not do, from the last render (shown at create and up).
    public var warnings: [String]?
    /// The source's commit when the environment was made (a git source): what `diff` and `merge` compare with.
    public var baseCommit: String?
    /// `.env*` files the copy policy left out of the new workspace (cilo's doing, not the agent's).
    public var removedEnvFiles: [String]?
    /// Images cilo built for it (`cilo-build/...`), removed with the last environment using them.
    public var images: [String]?
    /// The workspace's share of the create time, in seconds (nil in records made before).
    public var cloneSeconds: Double?
    /// An overlay workspace's base (`bases/<project>/<id>`), nil for a clone.
    public var overlayBase: String?
    /// How its last `cilo run` was confined (`--sandbox`); nil when it ran unconfined or never ran.
    public var sandbox: SandboxSettings?
    /// Limits given to this environment (`--memory`, `--cpus`, `--pids`), kept for its later starts.
    public var limits: ResourceLimits?
    /// `--shared` and `--isolate` given to this environment, kept for its later starts.
    public var sharing: SharingChoice?
    /// Where its named volumes keep their data (`$CILO_HOME/volumes/<project>/<env>`, one folder
    /// each); nil for an environment made before, whose volumes Docker keeps.
    public var volumeFolder: String?
    /// The environment it was forked from (`cilo fork`, a template), nil when made from the source.
    public var forkedFrom: String?
    /// The project's fingerprint taken before its workspace was cloned, kept for an environment
    /// made as the project's template (`template:`): forks of it are made while it still holds.
    var sourceFingerprint: SourceFingerprint?

    public init(
        project: String, name: String, subnet: String, workspace: String, source: String, composeFile: String,
        composeSources: [String], createdAt: String, status: Status, services: [ServiceRecord], cloneStrategy: WorkspaceMethod,
        lastError: String?, composeProject: String? = nil
    ) {
        self.project = project
        self.name = name
        self.subnet = subnet
        self.workspace = workspace
        self.source = source
        self.composeFile = composeFile
        self.composeSources = composeSources
        self.createdAt = createdAt
        self.status = status
        self.services = services
        self.cloneStrategy = cloneStrategy
        self.lastError = lastError
        self.composeProject = composeProject ?? Self.dockerName(project: project, env: name)
    }

    /// Every extra name, label ones first.
    public var hostnames: [String] {
        let labelled = labelHostnames ?? []
        return labelled + (addedHostnames ?? []).filter { !labelled.contains($0) }
    }

    /// `http://<ingress address>[:port]`, once the environment has run.
    public var baseURL: String? {
        guard let ingress = services.first(where: { $0.name == ingressService }), let ip = ingress.ip else { return nil }
        return Self.url(host: ip, ports: ingress.ports)
    }

    /// The variables compose files may use (`${CILO_ENV}`), and every command of the environment gets.
    public var composeVariables: [String: String] {
        ["CILO_ENV": name, "CILO_PROJECT": project, "CILO_WORKSPACE": workspace, "CILO_SUBNET": subnet]
    }

    /// `http://HOST`, with `:PORT` from the service's first container port unless it is 80.
    static func url(host: String, ports: [String]) -> String {
        let port = ports.first.map(ComposePorts.firstPort) ?? "80"
        return port == "80" ? "http://\(host)" : "http://\(host):\(port)"
    }

    /// The variables `cilo run` gives the command: `CILO_*`; per service `CILO_SERVICE_<NAME>_IP`,
    /// `_URL` (with its port) and, with DNS (`suffix` given), `_HOST`. URLs use the names only
    /// when the system resolver routes the suffix to cilo (`namesRouted`), else the addresses,
    /// which work from the host without root.
    public func runEnvironment(dnsSuffix suffix: String?, namesRouted: Bool = false) -> [String: String] {
        var variables = composeVariables
        let useNames = suffix != nil && namesRouted
        if let suffix { variables["CILO_DNS_SUFFIX"] = suffix }
        if let ingress = services.first(where: { $0.name == ingressService }) {
            if useNames, let suffix {
                variables["CILO_BASE_URL"] = Self.url(host: "\(project).\(name)\(suffix)", ports: ingress.ports)
            } else if let baseURL {
                variables["CILO_BASE_URL"] = baseURL
            }
        }
        for service in services {
            let key = NameRules.normalize(service.name).uppercased().replacingOccurrences(of: "-", with: "_")
            let host = suffix.map { "\(service.name).\(name).\(project)\($0)" }
            if let ip = service.ip { variables["CILO_SERVICE_\(key)_IP"] = ip }
            if let host { variables["CILO_SERVICE_\(key)_HOST"] = host }
            if useNames, let host {
                variables["CILO_SERVICE_\(key)_URL"] = Self.url(host: host, ports: service.ports)
            } else if let ip = service.ip {
                variables["CILO_SERVICE_\(key)_URL"] = Self.url(host: ip, ports: service.ports)
            }
        }
        return variables
    }

    /// The Docker network (and compose project) name.
    public var dockerName: String { composeProject }

    /// The Docker name of a new environment: `cilo_<project>_<env>`. Names hold no `_`,
    /// so every pair gets its own (`cilo-a-b-c` was both a-b/c and a/b-c).
    public static func dockerName(project: String, env: String) -> String { "cilo_\(project)_\(env)" }

    /// What `list` and `status` show for an environment whose state file cannot be read.
    public static func damaged(project: String, env: String, workspace: String, reason: String) -> EnvironmentRecord {
        EnvironmentRecord(
            project: project, name: env, subnet: "", workspace: workspace, source: "", composeFile: "", composeSources: [],
            createdAt: "", status: .damaged, services: [], cloneStrategy: .none, lastError: reason)
    }
}

/// One service of an environment, with the address it got.
public struct ServiceRecord: Codable, Sendable, Equatable {
    public var name: String
    public var ip: String?
    /// Container ports (published host ports are removed by cilo).
    public var ports: [String]
    public var status: String
    /// True when the service is not restarted after exiting 0: exited 0, it is done (a
    /// one-shot job such as a migration), not stopped. Nil in records made before.
    public var completes: Bool?
    /// Killed for lack of memory since it last started (Docker's `OOMKilled`); set when read back from Docker.
    public var oomKilled: Bool?
    /// Processes of it killed for lack of memory while it runs (the kernel's count for its cgroup).
    public var oomKills: Int?
    /// How often Docker restarted it; set when read back from Docker.
    public var restartCount: Int?
    /// Its memory limit in bytes, where it has one; set when read back from Docker.
    public var memoryLimit: Int?
    /// A shared service: one container for every environment of the project that uses it.
    public var shared: Bool?
    /// A shared service's environments using it now; set when read back (`list`, `status`).
    public var usedBy: [String]?

    /// Running, or a one-shot job that finished its work (exit 0, not restarted): nothing to fix.
    public var isUp: Bool { status.hasPrefix("running") || (status == "exited (0)" && completes == true) }

    public init(name: String, ip: String?, ports: [String], status: String, completes: Bool? = nil) {
        self.name = name
        self.ip = ip
        self.ports = ports
        self.status = status
        self.completes = completes
    }
}
