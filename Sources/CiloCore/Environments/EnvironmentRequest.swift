/// What a user asked of one environment: `cilo create`, `cilo up` or `cilo run`, as one
/// `EnvironmentManager.prepare` call.
public struct EnvironmentRequest: Sendable {
    /// Whether the environment's services are started.
    public enum Start: Sendable, Equatable {
        /// `cilo create`: nothing starts.
        case never
        /// `cilo up`: started (or brought up to date) every time.
        case always
        /// `cilo run`: started unless every service already runs.
        case unlessRunning
    }

    /// What happens when the machine holds no more environments (`AdmissionLimits`).
    public enum Admission: Sendable, Equatable {
        /// Refused at once (exit 75), naming the limit and what runs: `up` and `run`.
        case refuse
        /// `--wait [SECONDS]`: waits in line, first come first served (nil: as long as it takes).
        case wait(seconds: Double?)
        /// Not checked (`cilo bench` measures what fits).
        case unchecked
    }

    public var env: String
    /// When creating: the folder cloned instead of the project's root.
    public var source: String?
    /// When creating: the environment whose workspace and volumes are copied (`cilo fork`,
    /// `--fork`), its services frozen while they are.
    public var fork: String?
    /// `--template`: the environment new ones are forked from while the project is unchanged
    /// since it was made (over `template:` in `.cilo/config.yml`).
    public var template: String?
    public var strategy: CloneStrategy = .auto
    /// `cilo create` refuses an environment that exists; `up` and `run` use it.
    public var mustBeNew = false
    public var start: Start = .always
    /// `up --build`: rebuild images even when one of the build context's content exists.
    public var build = false
    public var recreate = false
    /// Compose profiles to activate (`--profile`).
    public var profiles: [String] = []
    public var timeoutSeconds = 120.0
    /// Variables for compose's interpolation beyond the shell's (`cilo run -e`).
    public var variables: [String: String] = [:]
    public var admission = Admission.refuse
    /// `--memory`, `--cpus`, `--pids`: over the project's `limits:` for every service that sets none.
    public var limits = ResourceLimits()
    /// `--shared` and `--isolate`: over the environment's earlier choice, kept in its record.
    public var sharing = SharingChoice()
    /// `--trust-workspace`: what the workspace's compose model reaches of the host beyond the
    /// source's is started, not refused (each such setting is still named).
    public var trustsWorkspace = false
    /// `cilo run`: the command's confinement (nil: none), kept in the record for status and list.
    public var sandbox: SandboxSettings??
    /// When it was asked for (set by `prepare`): an overlay base checked since needs no check of its own.
    var askedAt: BaseCheck?

    public init(env: String, start: Start = .always) {
        self.env = env
        self.start = start
    }
}

/// What `prepare` did: the record, the clone report when it created the workspace now,
/// whether it started services, and every warning (isolation, names).
public struct EnvironmentOutcome: Sendable {
    public var record: EnvironmentRecord
    public var cloneReport: CloneReport?
    /// What the fork did, when the environment was made by one.
    public var fork: ForkReport?
    public var started: Bool
    public var warnings: [String]
}
