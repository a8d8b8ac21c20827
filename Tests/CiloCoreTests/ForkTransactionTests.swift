@testable import CiloCore
import Foundation
import Testing

/// Fork, checkpoints, restore and templates against the fake engine: the copies are real (plain
/// copies in a temporary folder), the services and their freezing the fake's.
@Suite("Forks and checkpoints against a fake engine")
struct ForkTransactionTests {
    /// A web and database stack whose database keeps its data in a named volume.
    static let withVolume = """
        services:
          web:
            image: fake/web
          db:
            image: fake/db
            volumes:
              - data:/var/lib/db
        volumes:
          data: {}
          outside:
            external: true

        """

    func fork(_ fixture: TransactionFixture, _ manager: EnvironmentManager, _ from: String, _ env: String) async throws(CiloError) -> EnvironmentOutcome {
        var request = fixture.request(env)
        request.fork = from
        request.mustBeNew = true
        return try await manager.prepare(request)
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test("a named volume keeps its data in cilo's home, bound by the local driver; an external one is left alone")
    func volumeInHome() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let record = try await fixture.manager().prepare(fixture.request("a1")).record
        let folder = try #require(record.volumeFolder)
        #expect(folder == fixture.home.volumeFolder(project: "shop", env: "a1").display)
        #expect(fixture.exists(folder + "/data"), "made before compose up, so the local driver can bind it")
        let generated = try #require(read(record.composeFile))
        #expect(generated.contains("device: \(folder)/data"))
        #expect(!generated.contains("\(folder)/outside"))
    }

    @Test("fork of a running environment: workspace and volumes copied while its services are frozen, then thawed; a subnet of its own")
    func forkRunning() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let source = try await fixture.manager().prepare(fixture.request("a1")).record
        try write("rows 1-100\n", to: try #require(source.volumeFolder) + "/data/table")
        try write("agent's work\n", to: source.workspace + "/notes.txt")
        let outcome = try await fork(fixture, fixture.manager(), "a1", "b1")
        let record = outcome.record
        #expect(record.status == .running && record.forkedFrom == "a1")
        #expect(record.subnet != source.subnet && record.dockerName != source.dockerName)
        #expect(read(try #require(record.volumeFolder) + "/data/table") == "rows 1-100\n")
        #expect(read(record.workspace + "/notes.txt") == "agent's work\n")
        let report = try #require(outcome.fork)
        #expect(report.from == "a1" && report.volumes.map(\.name) == ["data"])
        let calls = fixture.engine.calls
        let paused = try #require(calls.firstIndex(of: "pause 2"), "its two services were frozen")
        #expect(calls[paused...].contains("unpause 2"), "and thawed after the copies")
        #expect(fixture.engine.containers.filter { $0.composeProject == source.dockerName }.allSatisfy { $0.state.status == "running" })
        // A write in one never shows in the other.
        try write("fork's row\n", to: record.volumeFolder! + "/data/table")
        #expect(read(source.volumeFolder! + "/data/table") == "rows 1-100\n")
        #expect(!fixture.exists(fixture.home.path("frozen", "shop", "a1.json").display), "no note of frozen services is left")
    }

    @Test("fork refusals: an unknown source, a taken name, itself: one line each, nothing made")
    func forkRefusals() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        _ = try await manager.prepare(fixture.request("a2", start: .never))
        let unknown = await TransactionFixture.failure { () throws(CiloError) in _ = try await fork(fixture, manager, "nope", "b1") }
        #expect(unknown.code == .notFound && unknown.text.contains("no environment 'nope'"))
        let taken = await TransactionFixture.failure { () throws(CiloError) in _ = try await fork(fixture, manager, "a1", "a2") }
        #expect(taken.code == .alreadyExists)
        let itself = await TransactionFixture.failure { () throws(CiloError) in _ = try await fork(fixture, manager, "b2", "b2") }
        #expect(itself.code == .invalidArgument)
        #expect(try fixture.manager().store.allReadable(project: "shop").records.map(\.name).sorted() == ["a1", "a2"])
        #expect(!fixture.entries(fixture.home.path("volumes", "shop").display).contains("b1"))
    }

    @Test("a fork whose freeze fails leaves nothing of the new environment, and the source runs")
    func forkFailureRollsBack() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let manager = try fixture.manager()
        let source = try await manager.prepare(fixture.request("a1")).record
        fixture.engine.fail("pause")
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await fork(fixture, manager, "a1", "b1") }
        #expect(failed.code != nil)
        #expect(try fixture.manager().store.load(project: "shop", env: "b1") == nil)
        #expect(!fixture.exists(fixture.home.workspace(project: "shop", env: "b1").display))
        #expect(!fixture.exists(fixture.home.volumeFolder(project: "shop", env: "b1").display))
        #expect(fixture.engine.calls.contains("unpause 2"), "what was frozen is thawed whatever happened")
        #expect(fixture.engine.containers.filter { $0.composeProject == source.dockerName }.allSatisfy { $0.state.status == "running" })
    }

    @Test("services a killed cilo left frozen are thawed by the next up, by doctor --fix, and by a restore before it stops them")
    func leftFrozen() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let manager = try fixture.manager()
        let record = try await manager.prepare(fixture.request("a1")).record
        let ids = fixture.engine.containers.map(\.id)
        func freezeAsIfKilled() async throws {
            try await fixture.engine.pause(ids)
            let note = try JSONSerialization.data(withJSONObject: ["containers": ids, "pid": 1, "frozenAt": "2026-12-02T00:00:00Z"])
            try write(String(decoding: note, as: UTF8.self), to: fixture.home.path("frozen", "shop", "a1.json").display)
        }
        try await freezeAsIfKilled()
        _ = try await manager.prepare(fixture.request("a1", start: .unlessRunning))
        #expect(fixture.engine.containers.allSatisfy { $0.state.status == "running" })
        try await freezeAsIfKilled()
        let doctor = Doctor(home: fixture.home, engine: fixture.engine)
        let findings = await doctor.examine().filter { $0.check == "frozen" }
        #expect(findings.map(\.subject) == ["shop/\(record.name)"])
        let repaired = await doctor.repair(findings)
        #expect(repaired.allSatisfy { $0.fixed == true })
        #expect(fixture.engine.containers.allSatisfy { $0.state.status == "running" })
        // A restore thaws them before it stops anything: Ctrl-C during it leaves nothing frozen.
        _ = try await manager.checkpoint("a1", name: "kept")
        try await freezeAsIfKilled()
        let before = fixture.engine.calls.count
        _ = try await manager.restore("a1", checkpoint: "kept", discard: true)
        let calls = Array(fixture.engine.calls[before...])
        let thawed = try #require(calls.firstIndex { $0.hasPrefix("unpause") }, "\(calls)")
        #expect(!calls[..<thawed].contains { $0.hasPrefix("stop") || $0.hasPrefix("kill") || $0.hasPrefix("compose") }, "\(calls)")
        #expect(!fixture.exists(fixture.home.path("frozen", "shop", "a1.json").display))
    }

    @Test("checkpoint, destructive change, restore: files and data back exactly; the state replaced kept, or discarded")
    func checkpointAndRestore() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let manager = try fixture.manager()
        let record = try await manager.prepare(fixture.request("a1")).record
        let table = record.volumeFolder! + "/data/table"
        try write("kept\n", to: table)
        let checkpoint = try await manager.checkpoint("a1", name: "before")
        #expect(checkpoint.kind == .manual && checkpoint.volumes.map(\.name) == ["data"])
        try FileManager.default.removeItem(atPath: table)
        try FileManager.default.removeItem(atPath: record.workspace + "/app.py")
        let restored = try await manager.restore("a1", checkpoint: "before", discard: false)
        #expect(read(table) == "kept\n")
        #expect(read(record.workspace + "/app.py") == "print('hello')\n")
        #expect(restored.started && restored.record.status == .running)
        let replaced = try #require(restored.report.replacedBy)
        let names = try await manager.listCheckpoints("a1", measuring: true).map(\.name)
        #expect(names.contains("before") && names.contains(replaced))
        _ = try await manager.restore("a1", checkpoint: replaced, discard: true)
        #expect(!fixture.exists(table) && !fixture.exists(record.workspace + "/app.py"), "back to the state the first restore replaced")
        #expect(try await manager.listCheckpoints("a1", measuring: false).count == 2, "--discard kept no state of its own")
        let taken = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.checkpoint("a1", name: "before") }
        #expect(taken.code == .alreadyExists)
        let missing = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.restore("a1", checkpoint: "nope", discard: false) }
        #expect(missing.code == .notFound && missing.text.contains("no checkpoint 'nope'"))
        try await manager.removeCheckpoint("a1", name: "before")
        #expect(try await manager.listCheckpoints("a1", measuring: false).map(\.name) == [replaced])
        try await manager.destroy("a1")
        #expect(!fixture.exists(fixture.home.checkpointFolder(project: "shop", env: "a1").display), "checkpoints go with their environment")
    }

    @Test("reset of an environment whose workspace is a plain copy says why it has no initial state")
    func resetWithoutInitial() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.restore("a1", checkpoint: Checkpoint.initialName, discard: false) }
        #expect(failed.code == .notFound && failed.text.contains("first successful up"))
    }

    @Test("a template is forked while the project is unchanged since it was made, else the project is cloned and why is said")
    func template() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume, config: "project: shop\ntemplate: seed\n")
        let seed = try await fixture.manager().prepare(fixture.request("seed")).record
        try write("seeded\n", to: seed.volumeFolder! + "/data/table")
        let warm = try await fixture.manager().prepare(fixture.request("x1")).record
        #expect(warm.forkedFrom == "seed" && read(warm.volumeFolder! + "/data/table") == "seeded\n")
        try write("changed\n", to: fixture.source + "/app.py")
        let cold = try await fixture.manager().prepare(fixture.request("x2")).record
        #expect(cold.forkedFrom == nil && !fixture.exists(cold.volumeFolder! + "/data/table"))
        #expect(fixture.said.all.contains { $0.contains("not forked from template 'seed'") && $0.contains("changed") })
    }

    @Test("prune --checkpoints-older-than removes old checkpoints, not the initial one; --dry-run removes none")
    func pruneCheckpoints() async throws {
        let fixture = try TransactionFixture(compose: Self.withVolume)
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        _ = try await manager.checkpoint("a1", name: "old")
        _ = try await manager.checkpoint("a1", name: Checkpoint.initialName)
        try await Task.sleep(nanoseconds: 50_000_000)
        var options = Pruner.Options()
        options.checkpointsOlderThan = 0.01
        options.dryRun = true
        #expect(try await Pruner(manager: manager, options: options).run().checkpoints.map(\.name) == ["old"])
        #expect(try await manager.listCheckpoints("a1", measuring: false).count == 2)
        options.dryRun = false
        #expect(try await Pruner(manager: manager, options: options).run().checkpoints.map(\.name) == ["old"])
        #expect(try await manager.listCheckpoints("a1", measuring: false).map(\.name) == [Checkpoint.initialName])
    }
}
