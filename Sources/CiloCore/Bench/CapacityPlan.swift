/// The resource-planning formula filled with measured figures:
/// `MIN(RAM / RAM per env, CPUs / CPU per env, free disk / disk per env, free subnets)`,
/// with the binding limit named.
public struct CapacityPlan: Sendable, Codable, Equatable {
    public struct Limit: Sendable, Codable, Equatable {
        /// memory, cpu, disk or subnets.
        public var resource: String
        public var available: Double
        public var perEnvironment: Double
        /// How many environments this resource alone allows (nil: no limit measured).
        public var environments: Int?
    }

    /// The strategy whose figures the plan uses.
    public var strategy: String
    public var limits: [Limit]
    /// Environments of this project this machine fits.
    public var fits: Int
    /// The resource that binds.
    public var binding: String
    public var summary: String
    /// The memory of the shared services, taken once from what is available; nil when none ran.
    public var sharedMemoryBytes: Int? = nil
    /// What would fit if every environment ran its own copy of the shared services; nil when none ran.
    public var fitsWithoutSharing: Int? = nil
    /// What memory alone would allow, with sharing and without; nil when none ran or memory was not measured.
    public var memoryFitsShared: Int? = nil
    public var memoryFitsWithoutSharing: Int? = nil

    /// The plan from one strategy's measurements.
    /// Shared services' memory (`sharedMemoryBytes`) is counted once: taken from what is available,
    /// not from each environment; the plan also says what would fit without sharing.
    public static func make(
        host: HostCapacity, result: BenchStrategyResult, freeSubnets: Int, containersPerEnv: Int, sharedMemoryBytes: Int = 0
    ) -> CapacityPlan {
        var plan = make(host: host, result: result, freeSubnets: freeSubnets, containersPerEnv: containersPerEnv, memoryTaken: sharedMemoryBytes, memoryAdded: 0)
        guard sharedMemoryBytes > 0 else { return plan }
        let unshared = make(host: host, result: result, freeSubnets: freeSubnets, containersPerEnv: containersPerEnv, memoryTaken: 0, memoryAdded: sharedMemoryBytes)
        plan.sharedMemoryBytes = sharedMemoryBytes
        plan.fitsWithoutSharing = unshared.fits
        plan.memoryFitsShared = plan.limits.first { $0.resource == "memory" }?.environments
        plan.memoryFitsWithoutSharing = unshared.limits.first { $0.resource == "memory" }?.environments
        plan.summary += "; its shared services (\(ByteFormatting.iec(sharedMemoryBytes))) are counted once: each environment running its own copy, \(unshared.fits) would fit"
        return plan
    }

    private static func make(
        host: HostCapacity, result: BenchStrategyResult, freeSubnets: Int, containersPerEnv: Int, memoryTaken: Int, memoryAdded: Int
    ) -> CapacityPlan {
        var limits: [Limit] = []
        func add(_ resource: String, available: Double, perEnvironment: Double?) {
            guard let perEnvironment else {
                limits.append(Limit(resource: resource, available: available, perEnvironment: 0, environments: nil))
                return
            }
            // Anything measured as (almost) free still costs something: never divide by zero.
            let per = max(perEnvironment, resource == "cpu" ? 0.001 : 4096)
            limits.append(Limit(resource: resource, available: available, perEnvironment: perEnvironment,
                                environments: Int((available / per).rounded(.down))))
        }
        add("memory", available: Double(max(0, host.memoryBytes - memoryTaken)), perEnvironment: result.meanPlannedMemoryBytes.map { $0 + Double(memoryAdded) })
        add("cpu", available: Double(host.cpus), perEnvironment: result.meanCPUPercent.map { $0 / 100 })
        add("disk", available: Double(host.diskAvailableBytes), perEnvironment: result.meanDiskBytes)
        limits.append(Limit(resource: "subnets", available: Double(freeSubnets), perEnvironment: 1, environments: freeSubnets))
        let bound = limits.filter { $0.environments != nil }.min { ($0.environments ?? .max) < ($1.environments ?? .max) }
        let fits = bound?.environments ?? 0
        let binding = bound?.resource ?? "unknown"
        let summary = "this machine fits \(fits) environment\(fits == 1 ? "" : "s") of this project (\(result.strategy) workspaces, "
            + "\(containersPerEnv) container\(containersPerEnv == 1 ? "" : "s") each); \(binding) is the limit"
        return CapacityPlan(strategy: result.strategy, limits: limits, fits: fits, binding: binding, summary: summary)
    }
}
