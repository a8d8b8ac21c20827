/// One thing `cilo doctor` checked, and what `--fix` would do about it.
public struct DoctorFinding: Sendable, Equatable, Encodable {
    public enum Severity: String, Sendable, Encodable {
        case ok, warning, problem
    }

    public var severity: Severity
    /// The area checked: `docker`, `compose`, `home`, `state`, `environment`, `orphan`, `dns`.
    public var check: String
    /// What it is about: an environment (`project/env`), a path, a service.
    public var subject: String
    public var message: String
    /// What `cilo doctor --fix` does about it; nil when only a person can decide.
    public var fix: DoctorFix?
    /// Set by `--fix`: whether the fix worked, and if not, why.
    public var fixed: Bool?
    public var fixError: String?

    public init(_ severity: Severity, _ check: String, _ subject: String, _ message: String, fix: DoctorFix? = nil) {
        self.severity = severity
        self.check = check
        self.subject = subject
        self.message = message
        self.fix = fix
    }

    enum CodingKeys: String, CodingKey { case severity, check, subject, message, fix, fixed, fixError }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(severity, forKey: .severity)
        try container.encode(check, forKey: .check)
        try container.encode(subject, forKey: .subject)
        try container.encode(message, forKey: .message)
        try container.encode(fix?.description, forKey: .fix)
        try container.encodeIfPresent(fixed, forKey: .fixed)
        try container.encodeIfPresent(fixError, forKey: .fixError)
    }
}

/// A repair `cilo doctor --fix` can make. Each touches one environment's generated files,
/// record, or the Docker objects labelled as this cilo home's, and re-checks under the
/// environment's lock first, so it never races a running create, up or destroy. It never
/// deletes a workspace that has no record: `destroy --keep-workspace` leaves those on
/// purpose, and one may hold an agent's unsaved work.
public enum DoctorFix: Sendable, Equatable {
    /// Containers, volumes and networks labelled with an environment this home has no record of.
    case removeDockerObjects(project: String, env: String)
    /// A generated-files folder no record owns.
    case removeGenerated(project: String, env: String)
    /// A create that died half-way (its record still says `creating`): remove what it made.
    case finishInterrupted(project: String, env: String)
    /// The record's status disagrees with Docker: write Docker's.
    case recordStatus(project: String, env: String, status: EnvironmentRecord.Status)
    /// Start cilo's DNS server and publish every running environment's names.
    case startDNS
    /// Publish the names again (the server answers something else).
    case syncDNS
    /// Mount an overlay workspace a restart unmounted.
    case mountWorkspace(project: String, env: String)
    /// Clone an overlay workspace's base again from the project, and mount the workspace on it.
    case remakeBase(project: String, env: String)
    /// Remove an overlay base no environment uses.
    case removeBase(project: String, id: String)
    /// Stop a shared service no environment uses.
    case stopSharedService(project: String, service: String)
    /// Remove the shared services of a project that has no environment left (containers, network, volumes).
    case removeSharedServices(project: String)
    /// Remove what destroys moved to the trash while something still wrote into it.
    case emptyTrash
    /// Thaw the services a fork or checkpoint left frozen when its cilo was killed.
    case thawServices(project: String, env: String)
    /// Delete the half-made copies a killed checkpoint or restore left.
    case removeLeftoverCopies(project: String, env: String)

    public var description: String {
        switch self {
        case .removeDockerObjects: "remove its containers, volumes and networks"
        case .removeGenerated: "delete the generated files"
        case .finishInterrupted: "remove what the interrupted create or destroy left"
        case .recordStatus(_, _, let status): "record the status as \(status.rawValue)"
        case .startDNS: "start cilo's DNS server and publish the names"
        case .syncDNS: "publish the names again"
        case .mountWorkspace: "mount the workspace again (the agent's writes are kept)"
        case .remakeBase: "clone the base again from the project as it is now, and mount the workspace on it"
        case .removeBase: "remove the base"
        case .stopSharedService: "stop it (the next up that needs it starts it again)"
        case .removeSharedServices: "remove their containers, network and volumes"
        case .emptyTrash: "remove them (what is still written to stays for the next try)"
        case .thawServices: "thaw them (docker unpause)"
        case .removeLeftoverCopies: "delete them"
        }
    }
}
