@testable import CiloCore
import CiloSystem
import Foundation
import Testing
import Yams

/// The arithmetic and parsing behind admission, limits and honest disk figures.
@Suite("Capacity rules: sizes, limits, admission, metadata")
struct CapacityRulesTests {
    @Test("sizes as Docker and people write them")
    func sizes() {
        #expect(ByteSize.parse("67108864") == 67_108_864)
        #expect(ByteSize.parse("512m") == 512 << 20)
        #expect(ByteSize.parse("2g") == 2 << 30)
        #expect(ByteSize.parse("1.5GiB") == 3 << 29)
        #expect(ByteSize.parse("64MB") == 64 << 20)
        #expect(ByteSize.parse("10k") == 10 << 10)
        for bad in ["", "m", "lots", "-1g", "1x", "1e3", "inf"] { #expect(ByteSize.parse(bad) == nil, "\(bad)") }
        #expect(ByteSize.fraction("10%") == 0.1)
        #expect(ByteSize.fraction("100%") == nil && ByteSize.fraction("10") == nil)
        #expect(MemoryReserve("2g") == .bytes(2 << 30))
        #expect(MemoryReserve("25%")?.bytes(ofTotal: 1000) == 250)
        #expect(MemoryReserve("half") == nil)
    }

    @Test("limits parse with errors naming the key; flags win over the config, each value alone")
    func limits() throws {
        let names = ("limits.memory", "limits.cpus", "limits.pids")
        let parsed = try ResourceLimits.parse(memory: "64m", cpus: "0.5", pids: "100", names: names)
        #expect(parsed == ResourceLimits(memoryBytes: 64 << 20, cpus: 0.5, pids: 100))
        for (memory, cpus, pids, key) in [("1k", nil, nil, "limits.memory"), (nil, "0", nil, "limits.cpus"), (nil, "many", nil, "limits.cpus"),
                                          (nil, nil, "0", "limits.pids"), (nil, nil, "1.5", "limits.pids")] as [(String?, String?, String?, String)] {
            #expect(throws: CiloError.self) { try ResourceLimits.parse(memory: memory, cpus: cpus, pids: pids, names: names) }
            do { _ = try ResourceLimits.parse(memory: memory, cpus: cpus, pids: pids, names: names) } catch {
                #expect(error.message.hasPrefix(key), "\(error.message)")
            }
        }
        let flags = ResourceLimits(memoryBytes: 32 << 20)
        #expect(flags.over(parsed) == ResourceLimits(memoryBytes: 32 << 20, cpus: 0.5, pids: 100))
    }

    @Test("the render gives limits only to services that set none, in keys v1 and v2 both apply")
    func composeLimits() throws {
        var model = try #require(try Yams.compose(yaml: """
            services:
              a: {image: x}
              b: {image: x, mem_limit: "1000000", pids_limit: 5}
              c: {image: x, deploy: {resources: {limits: {cpus: "2"}}}}
            """))
        ComposeLimits.apply(ResourceLimits(memoryBytes: 64 << 20, cpus: 0.5, pids: 100), to: &model)
        let services = try #require(model.mapping?["services"]?.mapping)
        #expect(services["a"]?.mapping?["mem_limit"]?.string == "\(64 << 20)")
        #expect(services["a"]?.mapping?["cpus"]?.float == 0.5)
        #expect(services["a"]?.mapping?["pids_limit"]?.int == 100)
        #expect(services["b"]?.mapping?["mem_limit"]?.string == "1000000")
        #expect(services["b"]?.mapping?["pids_limit"]?.int == 5)
        #expect(services["c"]?.mapping?["cpus"] == nil, "deploy's own cpus limit is kept")
        #expect(services["c"]?.mapping?["mem_limit"]?.string == "\(64 << 20)")
    }

    @Test("admission's limits: the variable, then the config, then the saved plan; the need measured, else declared")
    func admissionLimits() throws {
        var config = ProjectConfig()
        let plan = SavedPlan(fits: 12, binding: "memory", memoryPerEnvironment: 20 << 20, containersPerEnvironment: 3, measuredAt: "")
        let fromPlan = try AdmissionLimits.resolve(config: config, variable: nil, plan: plan, limits: ResourceLimits(), containers: nil, totalMemory: 1000)
        #expect(fromPlan.maxEnvironments == 12 && fromPlan.maxSource.contains("cilo bench"))
        #expect(fromPlan.needBytes == 20 << 20 && fromPlan.reserveBytes == 100)
        config.maxEnvironments = 4
        config.reserveMemory = .bytes(7)
        let configured = try AdmissionLimits.resolve(
            config: config, variable: nil, plan: nil, limits: ResourceLimits(memoryBytes: 64 << 20), containers: 2, totalMemory: 1000)
        #expect(configured.maxEnvironments == 4 && configured.maxSource.contains("max_environments"))
        #expect(configured.needBytes == 128 << 20 && configured.needSource == "declared limits" && configured.reserveBytes == 7)
        let variable = try AdmissionLimits.resolve(config: config, variable: "2", plan: plan, limits: ResourceLimits(), containers: nil, totalMemory: 0)
        #expect(variable.maxEnvironments == 2 && variable.maxSource == "CILO_MAX_ENVIRONMENTS")
        for bad in ["0", "-1", "x", "1.5"] {
            #expect(throws: CiloError.self) { try AdmissionLimits.parseCount(bad, name: "max_environments") }
        }
        #expect(AdmissionControl.ordinal(1) == "1st" && AdmissionControl.ordinal(12) == "12th" && AdmissionControl.ordinal(23) == "23rd")
    }

    @Test("the config's capacity keys load; bad values name their key")
    func configKeys() throws {
        let root = "/tmp/cilo-capacity-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/config.yml"
        try "max_environments: 3\nreserve_memory: 15%\nlimits:\n  memory: 512m\n  cpus: 1\n  pids: 200\n".write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ProjectConfig.load(path)
        #expect(config.maxEnvironments == 3 && config.reserveMemory == .fraction(0.15))
        #expect(config.limits == ResourceLimits(memoryBytes: 512 << 20, cpus: 1, pids: 200))
        for (text, key) in [("max_environments: 0", "max_environments"), ("max_environments: [1]", "max_environments"),
                            ("limits: 5", "limits"), ("limits:\n  disk: 1g", "limits.disk"), ("reserve_memory: x", "reserve_memory")] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try ProjectConfig.load(path)
                Issue.record("\(text) loaded")
            } catch {
                #expect(error.message.hasPrefix(key) || error.message.contains("'\(key)'"), "\(text): \(error.message)")
            }
        }
    }

    @Test("a container killed for memory fails readiness at once, restarting or not")
    func memoryKillFailsReadiness() {
        let service = RenderedService(name: "db", service: [:])
        let killed = ContainerInspection.State(status: "restarting", exitCode: 137, health: nil, oomKilled: true)
        guard case .failed(let why) = ServiceReadiness.judge(killed, service: service, memoryLimit: 16 << 20) else {
            Issue.record("not failed")
            return
        }
        #expect(why.contains("lack of memory") && why.contains("16.0 MiB"))
        let sigkilled = ContainerInspection.State(status: "restarting", exitCode: 137, health: nil)
        #expect(ServiceReadiness.judge(sigkilled, service: service, memoryLimit: nil) == .waiting, "no limit: any kill, restarted")
        #expect(ServiceReadiness.judge(sigkilled, service: service, memoryLimit: 1 << 30) != .waiting)
    }

    @Test("metadata per entry: btrfs items times the copies, one XFS inode, nothing on ext4")
    func metadata() {
        let btrfs = MetadataCost(model: .btrfs(copies: 2))
        let plain = btrfs.entry(.regular, nameLength: 10, extents: 1)
        #expect(plain == 2 * ((160 + 25) + (10 + 10 + 25) + 2 * (30 + 10 + 25) + (53 + 25 + 40)))
        #expect(btrfs.entry(.regular, nameLength: 10, extents: 0, inlineBytes: 100) - btrfs.entry(.regular, nameLength: 10) == 2 * (21 + 25 + 100))
        #expect(MetadataCost(model: .xfs(inodeSize: 512)).entry(.directory, nameLength: 3) == 512)
        #expect(MetadataCost(model: .none).entry(.regular, nameLength: 3, extents: 4) == 0)
        #expect(TimeSpan.seconds("90s") == 90 && TimeSpan.seconds("2w") == 1_209_600 && TimeSpan.seconds("5x") == nil && TimeSpan.seconds("-1d") == nil)
    }
}
