/// Caps every service of an environment gets unless it sets its own: `limits:` in
/// `.cilo/config.yml`, or `--memory`, `--cpus`, `--pids` on `up` and `run`.
public struct ResourceLimits: Sendable, Codable, Equatable {
    /// Bytes of memory per container (Docker's `--memory`).
    public var memoryBytes: Int?
    /// CPUs per container (Docker's `--cpus`).
    public var cpus: Double?
    /// Processes per container (Docker's `--pids-limit`).
    public var pids: Int?

    public init(memoryBytes: Int? = nil, cpus: Double? = nil, pids: Int? = nil) {
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pids = pids
    }

    /// Docker refuses a memory limit below 6 MiB.
    public static let smallestMemory = 6 * 1024 * 1024

    public var isEmpty: Bool { memoryBytes == nil && cpus == nil && pids == nil }

    /// These limits, each one missing taken from `fallback` (flags over the project's config).
    public func over(_ fallback: ResourceLimits) -> ResourceLimits {
        ResourceLimits(memoryBytes: memoryBytes ?? fallback.memoryBytes, cpus: cpus ?? fallback.cpus, pids: pids ?? fallback.pids)
    }

    /// Checks and reads the three values as given on a command line or in the config;
    /// an error names `what` (`limits.memory`, `--memory`) and the value.
    public static func parse(memory: String?, cpus: String?, pids: String?, names: (memory: String, cpus: String, pids: String))
        throws(CiloError) -> ResourceLimits
    {
        var limits = ResourceLimits()
        if let memory {
            guard let bytes = ByteSize.parse(memory) else {
                throw CiloError(.invalidArgument, "\(names.memory): '\(memory)' is not a size (like 512m, 2g or 1.5GiB)")
            }
            guard bytes >= smallestMemory else {
                throw CiloError(.invalidArgument, "\(names.memory): \(memory) is below Docker's smallest memory limit, 6 MiB")
            }
            limits.memoryBytes = bytes
        }
        if let cpus {
            guard let value = Double(cpus), value.isFinite, value >= 0.01 else {
                throw CiloError(.invalidArgument, "\(names.cpus): '\(cpus)' is not a number of CPUs of at least 0.01 (like 0.5 or 2)")
            }
            limits.cpus = value
        }
        if let pids {
            guard let value = Int(pids), value >= 1 else {
                throw CiloError(.invalidArgument, "\(names.pids): '\(pids)' is not a whole number of processes of at least 1")
            }
            limits.pids = value
        }
        return limits
    }

    /// `memory 512.0 MiB, cpus 0.5, pids 200`.
    public var summary: String {
        var parts: [String] = []
        if let memoryBytes { parts.append("memory \(ByteFormatting.iec(memoryBytes))") }
        if let cpus { parts.append("cpus \(cpus)") }
        if let pids { parts.append("pids \(pids)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
