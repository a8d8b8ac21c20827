import CiloSystem

/// What this machine offers environments: CPUs, memory and disk, as cilo may really use them.
public struct HostCapacity: Sendable, Codable, Equatable {
    /// Usable CPUs (affinity and cgroup quota).
    public var cpus: Int
    /// The lower of MemTotal and the memory limit of the cgroup cilo runs in.
    public var memoryBytes: Int
    /// Free bytes an unprivileged user may use at `$CILO_HOME` (statfs).
    public var diskAvailableBytes: Int

    /// Measures the host for environments kept under `home`.
    public static func measure(home: BytePath, meminfoPath: String = "/proc/meminfo", selfCgroupPath: String = "/proc/self/cgroup",
                               cgroupRoot: String = "/sys/fs/cgroup") -> HostCapacity {
        let total = memTotal(HostFacts.readSmallFile(meminfoPath)) ?? 0
        var memory = total
        if let cgroup = HostFacts.readSmallFile(selfCgroupPath), let location = CgroupLocation.locate(procCgroup: cgroup, root: cgroupRoot),
            let limit = memoryLimit(location), limit > 0
        {
            memory = total > 0 ? min(total, limit) : limit
        }
        var disk = 0
        var probe = home
        // The home may not exist yet: measure the nearest folder that does.
        for _ in 0..<64 {
            // Climbing to the nearest existing folder: one that cannot be read is passed over.
            if let info = try? FileSystemInfo.of(probe, probeReflink: false) {
                disk = Int(clamping: info.availableBytes)
                break
            }
            guard let parent = probe.parentAndName?.parent, parent != probe else { break }
            probe = parent
        }
        return HostCapacity(cpus: CPUCapacity.usableCPUs(), memoryBytes: memory, diskAvailableBytes: disk)
    }

    /// `MemTotal` from /proc/meminfo, in bytes.
    public static func memTotal(_ contents: [UInt8]?) -> Int? { meminfoField(contents, "MemTotal") }

    /// What the kernel estimates could be given to new work without swapping (`MemAvailable`:
    /// free memory plus what page cache and slabs would give back), in bytes.
    public static func memAvailable(meminfoPath: String = "/proc/meminfo") -> Int? {
        meminfoField(HostFacts.readSmallFile(meminfoPath), "MemAvailable")
    }

    /// One `Key:   123 kB` field of /proc/meminfo, in bytes.
    static func meminfoField(_ contents: [UInt8]?, _ key: String) -> Int? {
        guard let contents, let text = String(validating: contents, as: UTF8.self) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// The memory limit of a cgroup: v2 `memory.max` ("max" is none), v1 `memory.limit_in_bytes`
    /// (a huge value is none).
    public static func memoryLimit(_ location: CgroupLocation) -> Int? {
        switch location.version {
        case .v2:
            guard let bytes = HostFacts.readSmallFile(location.memory + "/memory.max", limit: 64),
                let text = String(validating: bytes, as: UTF8.self)?.split(whereSeparator: \.isWhitespace).first, text != "max"
            else { return nil }
            return Int(text)
        case .v1:
            guard let limit = CgroupSample.number(location.memory + "/memory.limit_in_bytes"), limit < 1 << 60 else { return nil }
            return limit
        }
    }
}
