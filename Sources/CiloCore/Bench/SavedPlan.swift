import CiloSystem
import Foundation

/// The capacity plan of a project's last `cilo bench`, kept in the home: admission's count
/// limit and memory need when the project sets none.
public struct SavedPlan: Codable, Sendable, Equatable {
    /// Environments of the project the machine fits.
    public var fits: Int
    /// The resource that binds (memory, cpu, disk, subnets).
    public var binding: String
    /// What one environment took from the host's available memory (the larger of the host's
    /// and the cgroups' figure); nil when bench ran without services.
    public var memoryPerEnvironment: Int?
    public var containersPerEnvironment: Int
    /// ISO 8601.
    public var measuredAt: String

    public init(plan: CapacityPlan, containersPerEnvironment: Int) {
        fits = plan.fits
        binding = plan.binding
        memoryPerEnvironment = plan.limits.first { $0.resource == "memory" && $0.environments != nil }.map { Int($0.perEnvironment) }
        self.containersPerEnvironment = containersPerEnvironment
        measuredAt = ISO8601DateFormatter().string(from: Date())
    }

    init(fits: Int, binding: String, memoryPerEnvironment: Int?, containersPerEnvironment: Int, measuredAt: String) {
        self.fits = fits
        self.binding = binding
        self.memoryPerEnvironment = memoryPerEnvironment
        self.containersPerEnvironment = containersPerEnvironment
        self.measuredAt = measuredAt
    }

    static func fileName(_ project: String) -> FileName { FileName(project + ".json") }

    /// The project's saved plan, nil when bench never ran for it (or its file cannot be read).
    public static func load(home: CiloHome, project: String) -> SavedPlan? {
        FigureFile.load(SavedPlan.self, fileName(project), in: home.path("plans"))
    }

    /// Keeps the plan for the project's later `up` and `run`.
    public func save(home: CiloHome, project: String) throws(CiloError) {
        try FigureFile.save(self, Self.fileName(project), in: home.path("plans"), home: home)
    }
}
