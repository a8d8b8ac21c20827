import CiloSystem

/// How many CPUs cilo may really use: the affinity mask, lowered by a cgroup CPU quota.
public enum CPUCapacity {
    /// cgroup v2 quota file of the current cgroup when the cgroup namespace roots it at /sys/fs/cgroup.
    public static let cgroupV2CPUMaxPath = "/sys/fs/cgroup/cpu.max"
    /// cgroup v1 quota and period files.
    public static let cgroupV1QuotaPath = "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"
    public static let cgroupV1PeriodPath = "/sys/fs/cgroup/cpu/cpu.cfs_period_us"

    /// Usable CPUs, at least 1: min(affinity CPUs, ceil(quota / period)).
    public static func usableCPUs(
        affinityCPUs: Int = HostFacts.affinityCPUCount,
        cpuMaxPath: String = cgroupV2CPUMaxPath,
        quotaPath: String = cgroupV1QuotaPath,
        periodPath: String = cgroupV1PeriodPath
    ) -> Int {
        var result = max(1, affinityCPUs)
        if let limit = quotaCPUs(cpuMax: HostFacts.readSmallFile(cpuMaxPath))
            ?? quotaCPUs(quota: HostFacts.readSmallFile(quotaPath), period: HostFacts.readSmallFile(periodPath))
        {
            result = min(result, limit)
        }
        return max(1, result)
    }

    /// CPUs allowed by a cgroup v2 `cpu.max` ("max 100000" or "150000 100000"), rounded up.
    public static func quotaCPUs(cpuMax contents: [UInt8]?) -> Int? {
        guard let contents, let text = String(validating: contents, as: UTF8.self) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else {
            return nil
        }
        return (quota + period - 1) / period
    }

    /// CPUs allowed by cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1 means no limit), rounded up.
    public static func quotaCPUs(quota: [UInt8]?, period: [UInt8]?) -> Int? {
        func number(_ bytes: [UInt8]?) -> Int? {
            guard let bytes, let text = String(validating: bytes, as: UTF8.self) else { return nil }
            return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        }
        guard let quotaValue = number(quota), let periodValue = number(period), quotaValue > 0, periodValue > 0 else {
            return nil
        }
        return (quotaValue + periodValue - 1) / periodValue
    }
}
