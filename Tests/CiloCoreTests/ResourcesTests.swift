@testable import CiloCore
import Foundation
import Testing

/// cgroup v1 and v2 readers and the capacity arithmetic, on fixture files.
@Suite("Resources: cgroup readers, host capacity, the plan")
struct ResourcesTests {
    /// Writes `files` (relative path: contents) under a fresh folder and returns it.
    private func fixture(_ files: [String: String]) throws -> String {
        let root = "/tmp/cilo-cgroup-fixture-\(UUID().uuidString.prefix(8))"
        for (path, contents) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    static let id = String(repeating: "ab12", count: 16)

    @Test("cgroup v2: the unified path, memory minus inactive file, peak, usage_usec, pids")
    func cgroupV2() throws {
        let root = try fixture([
            "cgroup.controllers": "cpu memory pids\n",
            "system.slice/docker-\(Self.id).scope/memory.current": "10485760\n",
            "system.slice/docker-\(Self.id).scope/memory.peak": "20971520\n",
            "system.slice/docker-\(Self.id).scope/memory.stat": "anon 4096\ninactive_file 2097152\nactive_file 0\n",
            "system.slice/docker-\(Self.id).scope/cpu.stat": "usage_usec 1500000\nuser_usec 1000000\n",
            "system.slice/docker-\(Self.id).scope/pids.current": "7\n",
            "system.slice/docker-\(Self.id).scope/memory.max": "max\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let proc = Array("0::/system.slice/docker-\(Self.id).scope\n".utf8)
        let location = try #require(CgroupLocation.locate(procCgroup: proc, root: root))
        #expect(location.version == .v2)
        let sample = try #require(CgroupSample.read(location))
        #expect(sample.memoryBytes == 8 << 20)
        #expect(sample.memoryPeakBytes == 20 << 20)
        #expect(sample.cpuNanoseconds == 1_500_000_000)
        #expect(sample.pids == 7)
        #expect(HostCapacity.memoryLimit(location) == nil, "max means no limit")
        #expect(ContainerCgroups.containerID(in: proc) == Self.id)
    }

    @Test("cgroup v1: per-controller folders, total_inactive_file, max_usage, cpuacct.usage")
    func cgroupV1() throws {
        let root = try fixture([
            "memory/docker/\(Self.id)/memory.usage_in_bytes": "5242880\n",
            "memory/docker/\(Self.id)/memory.max_usage_in_bytes": "6291456\n",
            "memory/docker/\(Self.id)/memory.stat": "cache 1048576\nrss 4194304\ntotal_inactive_file 1048576\n",
            "memory/docker/\(Self.id)/memory.limit_in_bytes": "1073741824\n",
            "cpuacct/docker/\(Self.id)/cpuacct.usage": "987654321\n",
            "pids/docker/\(Self.id)/pids.current": "3\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let proc = Array("""
            12:pids:/docker/\(Self.id)
            4:memory:/docker/\(Self.id)
            2:cpuacct:/docker/\(Self.id)
            1:cpu:/docker/\(Self.id)
            0::/docker/\(Self.id)

            """.utf8)
        let location = try #require(CgroupLocation.locate(procCgroup: proc, root: root))
        #expect(location.version == .v1)
        let sample = try #require(CgroupSample.read(location))
        #expect(sample.memoryBytes == 4 << 20)
        #expect(sample.memoryPeakBytes == 6 << 20)
        #expect(sample.cpuNanoseconds == 987_654_321)
        #expect(sample.pids == 3)
        #expect(HostCapacity.memoryLimit(location) == 1 << 30)
        #expect(ContainerCgroups.containerID(in: proc) == Self.id)
        #expect(ContainerCgroups.containerID(in: Array("4:memory:/user.slice\n".utf8)) == nil)
    }

    @Test("a cgroup that is gone reads as nil")
    func goneCgroup() {
        let location = CgroupLocation(version: .v2, memory: "/nonexistent", cpu: "/nonexistent", pids: "/nonexistent")
        #expect(CgroupSample.read(location) == nil)
    }

    @Test("MemTotal and the lower of it and cilo's own cgroup limit")
    func hostMemory() throws {
        #expect(HostCapacity.memTotal(Array("MemTotal:       24684092 kB\nMemFree: 1 kB\n".utf8)) == 24_684_092 * 1024)
        let root = try fixture(["memory/limited/memory.limit_in_bytes": "2147483648\n", "meminfo": "MemTotal: 8388608 kB\n",
                                "self-cgroup": "4:memory:/limited\n2:cpuacct:/\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let host = HostCapacity.measure(home: BytePath("/tmp"), meminfoPath: root + "/meminfo", selfCgroupPath: root + "/self-cgroup",
                                        cgroupRoot: root)
        #expect(host.memoryBytes == 2 << 30)
        #expect(host.cpus >= 1 && host.diskAvailableBytes > 0)
    }

    @Test("the plan is the minimum over the resources and names the binding one")
    func capacityPlan() {
        let environment = BenchEnvironment(name: "e", cloneStrategy: "reflink", cloneSeconds: 0.1, upSeconds: 2, exclusiveBytes: 1 << 20,
                                           statfsDropBytes: 2 << 20, memoryBytes: 1 << 30, cpuPercent: 50, containers: 4)
        let result = BenchStrategyResult(strategy: "auto", environments: [environment], cumulative: [], wallSeconds: 2)
        let host = HostCapacity(cpus: 8, memoryBytes: 32 << 30, diskAvailableBytes: 100 << 30)
        let plan = CapacityPlan.make(host: host, result: result, freeSubnets: 256, containersPerEnv: 4)
        // The guide's example: 32 GB / 1 GB = 32, 8 cores / 0.5 = 16: CPU binds at 16.
        #expect(plan.fits == 16)
        #expect(plan.binding == "cpu")
        #expect(plan.limits.first { $0.resource == "memory" }?.environments == 32)
        #expect(plan.limits.first { $0.resource == "disk" }?.environments == 51_200, "disk per env is the larger of exclusive and statfs drop")
        #expect(plan.summary.contains("fits 16 environments") && plan.summary.contains("cpu is the limit"))
        let small = CapacityPlan.make(host: host, result: result, freeSubnets: 3, containersPerEnv: 4)
        #expect(small.fits == 3 && small.binding == "subnets")
    }

    @Test("the HTML report is self-contained with one line per strategy in each chart")
    func htmlReport() {
        let point = BenchCumulative(environments: 1, exclusiveBytes: 1 << 20, statfsDropBytes: 0, seconds: 1.5)
        let strategy = BenchStrategyResult(strategy: "auto", environments: [], cumulative: [point], wallSeconds: 1.5)
        let host = HostCapacity(cpus: 2, memoryBytes: 1 << 30, diskAvailableBytes: 1 << 30)
        let plan = CapacityPlan.make(host: host, result: strategy, freeSubnets: 10, containersPerEnv: 0)
        let result = BenchResult(project: "p<x>", source: "/s", sourceApparentBytes: 1, sourceAllocatedBytes: 1, filesystem: "btrfs",
                                 environmentsPerStrategy: 1, parallel: false, stack: false, sampleSeconds: 1, host: host,
                                 strategies: [strategy, BenchStrategyResult(strategy: "copy", environments: [], cumulative: [point], wallSeconds: 2)],
                                 plan: plan)
        let html = BenchReportHTML.render(result)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        #expect(html.components(separatedBy: "<polyline").count - 1 == 4)
        #expect(html.contains("p&lt;x&gt;") && !html.contains("p<x>"))
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("<link"), "nothing is fetched from elsewhere")
    }
}
