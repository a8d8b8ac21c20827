import CiloSystem
import Foundation

/// How much room an engine has for a project's environments: what `cilo engines list` shows
/// and `--engine auto` chooses by. Measured by the engine's own cilo (`cilo engines room`).
public struct EngineRoom: Codable, Sendable, Equatable {
    /// The home's environments (all projects) and those of them that run.
    public var environments: Int
    public var running: Int
    public var memoryAvailableBytes: Int
    public var memoryBytes: Int
    public var cpus: Int
    /// What the project's last `cilo bench` there says fits, less what of the project runs; nil without a bench there.
    public var planFits: Int?
    public var planBinding: String?

    /// Measured here, for `project`; `maxEnvironments` (the project's `max_environments:` or
    /// `CILO_MAX_ENVIRONMENTS`, as the machine placing it reads them) caps what fits.
    public static func measure(home: CiloHome, project: String?, maxEnvironments: Int? = nil) throws(CiloError) -> EngineRoom {
        let records = try StateStore(home: home).allReadable().records
        let running = records.filter { $0.status == .running || $0.status == .partial }
        let host = HostCapacity.measure(home: home.root)
        var room = EngineRoom(
            environments: records.count, running: running.count, memoryAvailableBytes: HostCapacity.memAvailable() ?? 0,
            memoryBytes: host.memoryBytes, cpus: host.cpus)
        let ownRunning = running.filter { $0.project == project }.count
        if let project, let plan = SavedPlan.load(home: home, project: project) {
            room.planFits = max(0, plan.fits - ownRunning)
            room.planBinding = plan.binding
        }
        if let maxEnvironments, max(0, maxEnvironments - ownRunning) < (room.planFits ?? .max) {
            room.planFits = max(0, maxEnvironments - ownRunning)
            room.planBinding = "max_environments"
        }
        return room
    }

    /// Memory left above the reserve (10% of the machine, admission's default): what `auto` ranks by.
    public var spareMemoryBytes: Int { memoryAvailableBytes - memoryBytes / 10 }

    /// Whether one more environment may start here, as far as the plan and the reserve say.
    public var hasRoom: Bool { spareMemoryBytes > 0 && (planFits ?? 1) > 0 }
}
