import CiloSystem
import Foundation

/// The lifecycle of a project's environments: one core call per user action, each a
/// transaction under the environment's lock that coordinates the capabilities doing the work.
///
/// `prepare` is create, up and the making of a `cilo run` environment in one transaction;
/// `down` and `destroy` are the others; `list` and `status` read records against Docker. The
/// work itself belongs to capabilities, each with its own folder and state under the home:
/// `Workspaces` (clones, overlays and their bases), `ComposeStack` (render, start, stop),
/// `EnvironmentNetwork` (subnets), `AdmissionControl` (the line to start), `ProjectSharing`
/// and `SharedServices`, `EnvironmentNames` (DNS), `WorkspaceChanges` (diff, merge),
/// `EnvironmentSandbox` and `EnvironmentRemoval`. Two changes of one environment serialise
/// while different environments proceed in parallel; a failed create is rolled back, a failed
/// up is stopped and marked `failed`, an interrupted destroy is recorded and finished later.
/// `docs/architecture.md` follows one `cilo run` through these calls.
public struct EnvironmentManager: EnvironmentCapability {
    /// What every capability of this action shares.
    public private(set) var context: EnvironmentContext

    /// A manager on the real engine (Docker through its CLI, as `$CILO_COMPOSE` says).
    public init(project: Project, home: CiloHome = .fromEnvironment()) {
        self.init(project: project, home: home, engine: DockerClient(home: home.root.display))
    }

    /// A manager on `engine` (the tests' fake, or the real one).
    public init(project: Project, home: CiloHome, engine: any ContainerEngine) {
        context = EnvironmentContext(project: project, home: home, engine: engine)
    }

    init(context: EnvironmentContext) {
        self.context = context
    }

    public var project: Project { context.project }
    public var home: CiloHome { context.home }
    public var store: StateStore { context.store }
    /// The container engine, seen as this home's objects only.
    public var engine: any ContainerEngine { context.engine }
    /// Raised by Ctrl-C: a create in progress stops and is rolled back; an up stops starting.
    public var cancellation: CancellationFlag { context.cancellation }
    /// Where warnings go: standard error by default.
    public var warn: @Sendable (String) -> Void {
        get { context.warn }
        set { context.warn = newValue }
    }
    /// Where progress notices go: standard error by default.
    public var notice: @Sendable (String) -> Void {
        get { context.notice }
        set { context.notice = newValue }
    }
    /// Where the reasons behind choices go (`--verbose`): nowhere by default.
    public var explain: @Sendable (String) -> Void {
        get { context.explain }
        set { context.explain = newValue }
    }
    /// Where the steps of long work are named as they begin: nowhere by default.
    public var stage: @Sendable (String) -> Void {
        get { context.stage }
        set { context.stage = newValue }
    }

    public var workspaces: Workspaces { Workspaces(context: context) }
    public var stack: ComposeStack { ComposeStack(context: context) }
    public var network: EnvironmentNetwork { EnvironmentNetwork(context: context) }
    public var templates: EnvironmentTemplates { EnvironmentTemplates(context: context) }
    public var admission: AdmissionControl { AdmissionControl(context: context) }
    public var sharing: ProjectSharing { ProjectSharing(context: context) }
    public var sharedServices: SharedServices { SharedServices(home: home, engine: engine) }
    public var names: EnvironmentNames { EnvironmentNames(context: context) }
    public var changes: WorkspaceChanges { WorkspaceChanges(context: context) }
    public var sandbox: EnvironmentSandbox { EnvironmentSandbox(context: context) }
    public var removal: EnvironmentRemoval { EnvironmentRemoval(context: context) }
    public var placement: EnvironmentPlacement { EnvironmentPlacement(context: context) }

    /// A manager of another project of the same home (the project known by name and source
    /// folder only, as its records say): for changes across projects (`cilo prune --all-projects`).
    func forProject(_ name: String, root: String) -> EnvironmentManager {
        EnvironmentManager(context: context.forProject(name, root: root))
    }

    /// The record of `env`, or an error naming the environment and project.
    public func record(_ env: String) throws(CiloError) -> EnvironmentRecord {
        try store.required(project: project.name, env: env)
    }

    /// The record of `env` as `list` and `status` show it: a state file that cannot be read
    /// is an environment with status `damaged`, not an error.
    public func recordOrDamaged(_ env: String) throws(CiloError) -> EnvironmentRecord {
        do throws(CiloError) {
            return try record(env)
        } catch {
            var damaged = error.code == .damaged
            if !damaged && error.code == .notFound { damaged = try store.isDamaged(project: project.name, env: env) }
            guard damaged else { throw error }
            return EnvironmentRecord.damaged(
                project: project.name, env: env, workspace: home.workspace(project: project.name, env: env).display,
                reason: error.description)
        }
    }
}
