/// What `cilo bench` measured about one environment.
public struct BenchEnvironment: Sendable, Codable, Equatable {
    public var name: String
    /// The clone method the workspace really got (`reflink`, `copy-range`, `snapshot`, ...).
    public var cloneStrategy: String
    public var cloneSeconds: Double
    /// Until every service ran (healthy where it has a check); nil without stacks.
    public var upSeconds: Double?
    /// Extents only this workspace holds (FIEMAP).
    public var exclusiveBytes: Int
    /// How much the file system's free space dropped for it (metadata included).
    public var statfsDropBytes: Int
    /// Steady-state memory and CPU over the sampling window, from the containers' cgroups; nil without stacks.
    public var memoryBytes: Int?
    /// What the host lost per environment: the drop in MemAvailable from before the strategy's
    /// environments were made to while they run, divided among them (every container also costs
    /// a containerd shim, a network namespace and kernel memory outside its cgroup).
    public var hostMemoryBytes: Int? = nil
    /// The sum of its services' memory limits when every service has one.
    public var declaredMemoryBytes: Int? = nil
    public var cpuPercent: Double?
    public var containers: Int
    /// Its share of the images cilo built for it (`build:` services; one image shared by n
    /// environments counts 1/n to each); nil without stacks.
    public var imageBytes: Int? = nil
}

/// Totals after the first n environments of a strategy.
public struct BenchCumulative: Sendable, Codable, Equatable {
    public var environments: Int
    public var exclusiveBytes: Int
    public var statfsDropBytes: Int
    public var seconds: Double
}

/// One strategy's run.
public struct BenchStrategyResult: Sendable, Codable, Equatable {
    public var strategy: String
    public var environments: [BenchEnvironment]
    public var cumulative: [BenchCumulative]
    /// Wall time for all environments of the strategy (less than the sum when parallel).
    public var wallSeconds: Double
    /// The memory of the project's shared services, counted once for all the environments; nil when none ran.
    public var sharedMemoryBytes: Int? = nil
    /// The shared services measured.
    public var sharedServices: [String]? = nil

    func mean(_ value: (BenchEnvironment) -> Double?) -> Double? {
        let values = environments.compactMap(value)
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    public var meanCloneSeconds: Double { mean { $0.cloneSeconds } ?? 0 }
    public var meanUpSeconds: Double? { mean { $0.upSeconds } }
    public var meanDiskBytes: Double { mean { Double(max($0.exclusiveBytes, $0.statfsDropBytes)) } ?? 0 }
    public var meanMemoryBytes: Double? { mean { $0.memoryBytes.map(Double.init) } }
    public var meanHostMemoryBytes: Double? { mean { $0.hostMemoryBytes.map(Double.init) } }

    /// What the plan counts per environment: its declared limits (plus what the host pays
    /// beyond the cgroups) where every service declares one, else the larger of the host's
    /// and the cgroups' measurement.
    public var meanPlannedMemoryBytes: Double? {
        mean { environment in
            guard let cgroups = environment.memoryBytes else { return nil }
            let host = environment.hostMemoryBytes ?? 0
            if let declared = environment.declaredMemoryBytes { return Double(declared + max(0, host - cgroups)) }
            return Double(max(cgroups, host))
        }
    }
    public var meanCPUPercent: Double? { mean { $0.cpuPercent } }
}

/// Everything `cilo bench --json` prints.
public struct BenchResult: Sendable, Codable, Equatable {
    public var project: String
    public var source: String
    /// The source tree's apparent and allocated size: what a full copy costs.
    public var sourceApparentBytes: Int
    public var sourceAllocatedBytes: Int
    public var filesystem: String
    public var environmentsPerStrategy: Int
    public var parallel: Bool
    public var stack: Bool
    public var sampleSeconds: Double
    public var host: HostCapacity
    public var strategies: [BenchStrategyResult]
    public var plan: CapacityPlan
    /// Environments made by fork beside those made from the project (nil: not measured).
    public var forks: BenchForkResult? = nil
}
