import Foundation

/// What may run at once on this machine: how many of a project's environments, and how
/// much memory must stay free. Each limit says where it came from, so a refusal names it.
public struct AdmissionLimits: Sendable, Equatable {
    /// The most environments of the project running at once; nil: no count limit.
    public var maxEnvironments: Int?
    /// `max_environments in .cilo/config.yml`, `CILO_MAX_ENVIRONMENTS`, `cilo bench's plan`.
    public var maxSource: String
    /// Bytes of memory an environment may not start into.
    public var reserveBytes: Int
    public var reserveSource: String
    /// What one environment of the project is expected to take from the host's available memory.
    public var needBytes: Int
    /// `measured by cilo bench`, `declared limits`, or `unknown`.
    public var needSource: String

    /// The limits for one environment: `CILO_MAX_ENVIRONMENTS`, else `max_environments:`,
    /// else the plan of the project's last `cilo bench`; the reserve from `reserve_memory:`
    /// (default 10% of the memory); the need measured by the plan, else declared by limits
    /// (per container, times the containers), else unknown (0).
    public static func resolve(
        config: ProjectConfig, variable: String?, plan: SavedPlan?, limits: ResourceLimits, containers: Int?, totalMemory: Int
    ) throws(CiloError) -> AdmissionLimits {
        var result = AdmissionLimits(maxEnvironments: nil, maxSource: "", reserveBytes: 0, reserveSource: "", needBytes: 0, needSource: "unknown")
        if let variable, !variable.isEmpty {
            result.maxEnvironments = try parseCount(variable, name: "CILO_MAX_ENVIRONMENTS")
            result.maxSource = "CILO_MAX_ENVIRONMENTS"
        } else if let configured = config.maxEnvironments {
            result.maxEnvironments = configured
            result.maxSource = "max_environments in .cilo/config.yml"
        } else if let plan {
            result.maxEnvironments = max(1, plan.fits)
            result.maxSource = "the plan of cilo bench (\(plan.binding) binds)"
        }
        let reserve = config.reserveMemory ?? .fraction(0.1)
        result.reserveBytes = reserve.bytes(ofTotal: totalMemory)
        result.reserveSource = config.reserveMemory == nil ? "the default reserve (10% of the memory)" : "reserve_memory in .cilo/config.yml"
        let count = containers ?? plan?.containersPerEnvironment ?? 1
        if let measured = plan?.memoryPerEnvironment, measured > 0 {
            result.needBytes = measured
            result.needSource = "measured by cilo bench"
        } else if let declared = limits.memoryBytes {
            result.needBytes = declared * max(count, 1)
            result.needSource = "declared limits"
        }
        return result
    }

    /// A count of at least 1; anything else is an error naming `name`.
    public static func parseCount(_ text: String, name: String) throws(CiloError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw CiloError(.invalidArgument, "\(name): '\(text)' is not a whole number of environments")
        }
        guard value >= 1 else { throw CiloError(.invalidArgument, "\(name): \(value) must be at least 1 (no limit: leave it out)") }
        return value
    }
}
