import Synchronization
import CiloSystem

/// Where one process's (or container's) cgroup files are, for cgroup v1 and v2 alike.
public struct CgroupLocation: Sendable, Equatable {
    public enum Version: String, Sendable, Codable { case v1, v2 }

    public var version: Version
    /// Folders holding the memory, CPU accounting and pids files (all the same folder on v2).
    public var memory: String
    public var cpu: String
    public var pids: String

    /// Finds the cgroup folders of a process from its `/proc/<pid>/cgroup` contents.
    /// - Parameters:
    ///   - procCgroup: the file's contents (`id:controllers:path` lines).
    ///   - root: where the cgroup file systems are mounted (`/sys/fs/cgroup`; fixtures elsewhere).
    ///   - unified: whether `root` is a cgroup v2 mount (nil: decided by `root/cgroup.controllers`).
    public static func locate(procCgroup: [UInt8], root: String = "/sys/fs/cgroup", unified: Bool? = nil) -> CgroupLocation? {
        guard let text = String(validating: procCgroup, as: UTF8.self) else { return nil }
        var byController: [String: String] = [:]
        var unifiedPath: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            if fields[0] == "0" && fields[1].isEmpty { unifiedPath = fields[2] }
            for controller in fields[1].split(separator: ",") { byController[String(controller)] = fields[2] }
        }
        let isUnified = unified ?? (HostFacts.readSmallFile(root + "/cgroup.controllers") != nil)
        if isUnified, let path = unifiedPath {
            let folder = root + (path == "/" ? "" : path)
            return CgroupLocation(version: .v2, memory: folder, cpu: folder, pids: folder)
        }
        guard let memory = byController["memory"], let cpu = byController["cpuacct"] ?? byController["cpu"] else { return nil }
        let cpuMount = cpuAccountingMount(root: root, cpu: cpu)
        let pids = byController["pids"].map { root + "/pids" + $0 } ?? ""
        return CgroupLocation(version: .v1, memory: root + "/memory" + memory, cpu: cpuMount + cpu, pids: pids)
    }
}

/// One reading of a cgroup's counters.
public struct CgroupSample: Sendable, Equatable, Codable {
    /// Memory in use minus inactive file cache (what `docker stats` shows).
    public var memoryBytes: Int
    /// The most memory ever used, where the kernel keeps it (v1 always, v2 from Linux 5.19).
    public var memoryPeakBytes: Int?
    /// CPU time used, in nanoseconds.
    public var cpuNanoseconds: UInt64
    public var pids: Int
    /// The memory limit (v2 `memory.max`, v1 `memory.limit_in_bytes`); nil without one.
    public var memoryLimitBytes: Int? = nil
    /// Processes the kernel killed in it for lack of memory (v2 `memory.events`, v1 `memory.oom_control`).
    public var oomKills: Int? = nil

    /// Only the memory kills of the cgroup at `location` (one file); nil when it is gone.
    public static func oomKills(_ location: CgroupLocation) -> Int? {
        switch location.version {
        case .v2: statField(location.memory + "/memory.events", "oom_kill")
        case .v1: statField(location.memory + "/memory.oom_control", "oom_kill")
        }
    }

    /// Reads the counters at `location`; nil when the cgroup is gone.
    public static func read(_ location: CgroupLocation) -> CgroupSample? {
        switch location.version {
        case .v2:
            guard let current = number(location.memory + "/memory.current"),
                let usage = statField(location.cpu + "/cpu.stat", "usage_usec")
            else { return nil }
            let inactive = statField(location.memory + "/memory.stat", "inactive_file") ?? 0
            return CgroupSample(
                memoryBytes: max(0, current - inactive), memoryPeakBytes: number(location.memory + "/memory.peak"),
                cpuNanoseconds: UInt64(max(0, usage)) * 1000, pids: number(location.pids + "/pids.current") ?? 0,
                memoryLimitBytes: HostCapacity.memoryLimit(location), oomKills: statField(location.memory + "/memory.events", "oom_kill"))
        case .v1:
            guard let usage = number(location.memory + "/memory.usage_in_bytes"),
                let cpu = number(location.cpu + "/cpuacct.usage")
            else { return nil }
            let inactive = statField(location.memory + "/memory.stat", "total_inactive_file") ?? 0
            return CgroupSample(
                memoryBytes: max(0, usage - inactive), memoryPeakBytes: number(location.memory + "/memory.max_usage_in_bytes"),
                cpuNanoseconds: UInt64(max(0, cpu)), pids: location.pids.isEmpty ? 0 : number(location.pids + "/pids.current") ?? 0,
                memoryLimitBytes: HostCapacity.memoryLimit(location), oomKills: statField(location.memory + "/memory.oom_control", "oom_kill"))
        }
    }

    /// A file holding one number.
    static func number(_ path: String) -> Int? {
        guard let bytes = HostFacts.readSmallFile(path, limit: 256), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
    }

    /// The value of `key` in a `key value` per line file (memory.stat, cpu.stat).
    static func statField(_ path: String, _ key: String) -> Int? {
        guard let bytes = HostFacts.readSmallFile(path), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2 && fields[0] == key { return Int(fields[1]) }
        }
        return nil
    }
}

extension CgroupLocation {
    /// Where cgroup v1's cpuacct controller is mounted under `root` (alone or with cpu), found
    /// once per process: the layout does not change while cilo runs.
    static func cpuAccountingMount(root: String, cpu: String) -> String {
        if let known = knownCPUMounts.withLock({ $0[root] }) { return known }
        let found = ["cpuacct", "cpu,cpuacct", "cpuacct,cpu"].map { root + "/" + $0 }
            .first { HostFacts.readSmallFile($0 + "/cpuacct.usage") != nil || HostFacts.readSmallFile($0 + cpu + "/cpuacct.usage") != nil }
        guard let found else { return root + "/cpuacct" }
        knownCPUMounts.withLock { $0[root] = found }
        return found
    }

    private static let knownCPUMounts = Mutex<[String: String]>([:])
}
