@testable import CiloCore
import Foundation
import Testing

/// The lifecycle's transactions (create, up, run, down, destroy and their rollbacks) against the
/// fake engine: no root, no Docker. What only a real engine shows stays in the integration tests.
@Suite("Transactions against a fake engine")
struct TransactionTests {
    @Test("create and start: a workspace copy, a subnet of its own, every service running with its address")
    func createAndStart() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let outcome = try await manager.prepare(fixture.request("a1"))
        let record = outcome.record
        #expect(outcome.started && record.status == .running)
        #expect(try String(contentsOfFile: record.workspace + "/app.py", encoding: .utf8) == "print('hello')\n")
        let subnet = try #require(Subnet(record.subnet))
        #expect(fixture.engine.with { $0.networks[record.dockerName]?.subnet } == subnet)
        #expect(record.services.map(\.name).sorted() == ["db", "web"])
        for service in record.services {
            let address = try #require(service.ip)
            #expect(Subnet(address + "/32").map(subnet.overlaps) == true, "\(service.name) at \(address) is in \(subnet)")
        }
        #expect(try manager.store.load(project: "shop", env: "a1")?.status == .running, "the record is written")
    }

    @Test("two environments get different subnets and their own containers")
    func twoEnvironments() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let first = try await manager.prepare(fixture.request("a1")).record
        let second = try await manager.prepare(fixture.request("a2")).record
        #expect(first.subnet != second.subnet)
        #expect(fixture.engine.containers.count == 4)
        #expect(Set(fixture.engine.containers.map(\.composeProject)) == [first.dockerName, second.dockerName])
    }

    @Test("create without start makes the workspace and record, starts nothing")
    func createOnly() async throws {
        let fixture = try TransactionFixture()
        let outcome = try await fixture.manager().prepare(fixture.request("a1", start: .never))
        #expect(!outcome.started && outcome.record.status == .created)
        #expect(fixture.exists(outcome.record.workspace + "/app.py"))
        #expect(fixture.engine.containers.isEmpty)
        #expect(!fixture.engine.calls.contains { $0.hasPrefix("compose up") })
    }

    @Test("up of a running environment runs no compose up again")
    func upWhenRunning() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        let ups = fixture.engine.calls.filter { $0.hasPrefix("compose up") }.count
        let again = try await manager.prepare(fixture.request("a1", start: .unlessRunning))
        #expect(!again.started && again.record.status == .running)
        #expect(fixture.engine.calls.filter { $0.hasPrefix("compose up") }.count == ups)
    }

    @Test("a new environment of a name taken is refused and the existing one is untouched")
    func takenName() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let existing = try await manager.prepare(fixture.request("a1")).record
        var again = fixture.request("a1")
        again.mustBeNew = true
        await #expect(throws: CiloError.self) { try await manager.prepare(again) }
        do { _ = try await manager.prepare(again) } catch { #expect(error.code == .alreadyExists) }
        #expect(try manager.record("a1") == existing)
    }

    @Test("down stops the containers and keeps workspace and record")
    func down() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let record = try await manager.prepare(fixture.request("a1")).record
        try "changed\n".write(toFile: record.workspace + "/app.py", atomically: true, encoding: .utf8)
        try await manager.down("a1")
        #expect(fixture.engine.containers.isEmpty)
        let stopped = try manager.record("a1")
        #expect(stopped.status == .stopped && stopped.services.allSatisfy { $0.status == "stopped" && $0.ip == nil })
        #expect(try String(contentsOfFile: record.workspace + "/app.py", encoding: .utf8) == "changed\n")
        let restarted = try await manager.prepare(fixture.request("a1"))
        #expect(restarted.started && restarted.record.status == .running && restarted.record.subnet == record.subnet)
    }

    @Test("destroy removes containers, network, workspace, generated files and record")
    func destroy() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let record = try await manager.prepare(fixture.request("a1")).record
        try await manager.destroy("a1")
        #expect(fixture.engine.containers.isEmpty)
        #expect(!fixture.engine.networkNames.contains(record.dockerName))
        #expect(!fixture.exists(record.workspace))
        #expect(!fixture.exists(record.composeFile))
        #expect(try manager.store.load(project: "shop", env: "a1") == nil)
        #expect(try await manager.list(allProjects: false).isEmpty)
    }

    @Test("destroy --keep-workspace keeps the workspace's files")
    func destroyKeepingWorkspace() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let record = try await manager.prepare(fixture.request("a1")).record
        try await manager.destroy("a1", keepWorkspace: true)
        #expect(fixture.exists(record.workspace + "/app.py"))
        #expect(try manager.store.load(project: "shop", env: "a1") == nil)
    }

    @Test("destroy without an engine is refused and leaves the environment whole")
    func destroyWithoutEngine() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let record = try await manager.prepare(fixture.request("a1")).record
        fixture.engine.with { $0.reachable = false }
        let failed = await TransactionFixture.failure { () throws(CiloError) in try await manager.destroy("a1") }
        #expect(failed.text.contains("Docker is not reachable"))
        #expect(try manager.record("a1").status == .running)
        #expect(fixture.exists(record.workspace + "/app.py"))
        #expect(fixture.engine.containers.count == 2)
    }

    @Test("a service that exits 1 fails the up: its exit and logs are said, nothing is left running, the record says failed")
    func failedService() async throws {
        let fixture = try TransactionFixture(compose: TransactionFixture.webAndDatabase.replacingOccurrences(of: "fake/db", with: "fake/exits-1"))
        let manager = try fixture.manager()
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(fixture.request("a1")) }
        #expect(failed.text.contains("db") && failed.text.contains("fake log line"), "\(failed.text)")
        #expect(fixture.engine.containers.isEmpty, "compose down ran")
        let record = try manager.record("a1")
        #expect(record.status == .failed && record.lastError?.contains("db") == true)
        #expect(fixture.exists(record.workspace + "/app.py"), "the workspace is kept")
    }

    @Test("an unhealthy service fails the up")
    func unhealthyService() async throws {
        let fixture = try TransactionFixture(compose: TransactionFixture.webAndDatabase.replacingOccurrences(of: "fake/db", with: "fake/unhealthy"))
        let manager = try fixture.manager()
        await #expect(throws: CiloError.self) { try await manager.prepare(fixture.request("a1")) }
        #expect(try manager.record("a1").status == .failed)
        #expect(fixture.engine.containers.isEmpty)
    }

    @Test("a finished one-shot job counts as done: the environment runs")
    func oneShotJob() async throws {
        let compose = TransactionFixture.webAndDatabase.replacingOccurrences(
            of: "  db:\n    image: fake/db\n", with: "  db:\n    image: fake/db\n  migrate:\n    image: fake/job\n    restart: \"no\"\n")
        let fixture = try TransactionFixture(compose: compose)
        let manager = try fixture.manager()
        let record = try await manager.prepare(fixture.request("a1")).record
        #expect(record.status == .running)
        #expect(record.services.first { $0.name == "migrate" }?.status == "exited (0)")
        #expect(try await manager.status("a1").status == .running)
    }

    @Test("a failed compose config rolls the create back: no record, workspace, network or lock left")
    func failedCreateRollsBack() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        fixture.engine.fail("compose config")
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(fixture.request("a1")) }
        #expect(failed.code == .invalidArgument && failed.text.contains("compose rejects the project"), "\(failed.text)")
        #expect(try manager.store.load(project: "shop", env: "a1") == nil)
        #expect(!fixture.exists(manager.home.workspace(project: "shop", env: "a1").display))
        #expect(fixture.engine.networkNames.isEmpty && fixture.engine.containers.isEmpty)
        #expect(fixture.entries(manager.home.path("generated", "shop").display).isEmpty)
    }

    @Test("Ctrl-C during the create's render: nothing of it is left, and that is said")
    func cancelledCreate() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let cancellation = manager.cancellation
        fixture.engine.beforeEachCompose { arguments in if arguments.contains("config") { cancellation.cancel() } }
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(fixture.request("a1")) }
        #expect(failed.code == .cancelled && failed.text.contains("nothing of it was left"), "\(failed.text)")
        #expect(try manager.store.load(project: "shop", env: "a1") == nil)
        #expect(!fixture.exists(manager.home.workspace(project: "shop", env: "a1").display))
        #expect(fixture.engine.containers.isEmpty)
    }

    @Test("Ctrl-C during compose up: the services are stopped, the record says stopped, the workspace stays")
    func cancelledUp() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let cancellation = manager.cancellation
        fixture.engine.beforeEachCompose { arguments in if arguments.contains("up") { cancellation.cancel() } }
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(fixture.request("a1")) }
        #expect(failed.code == .cancelled && failed.text.contains("its services were stopped"), "\(failed.text)")
        #expect(fixture.engine.containers.isEmpty)
        let record = try manager.record("a1")
        #expect(record.status == .stopped)
        #expect(fixture.exists(record.workspace + "/app.py"))
    }

    @Test("a subnet Docker refuses (an overlap made meanwhile) is replaced by another")
    func refusedSubnet() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        fixture.engine.fail("createNetwork", times: 9, saying: "failed: Pool overlaps with other one on this address space (fake)")
        let record = try await manager.prepare(fixture.request("a1")).record
        #expect(record.status == .running)
        #expect(fixture.engine.calls.filter { $0.hasPrefix("createNetwork") }.count == 10)
        #expect(try manager.store.allReadable().records.count == 1, "one record, holding the subnet Docker took")
        #expect(fixture.engine.with { $0.networks[record.dockerName]?.subnet?.description } == record.subnet)
    }

    @Test("a network create failing for another cause than an overlap is said at once, not retried")
    func networkFailureNotRetried() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        fixture.engine.fail("createNetwork", times: 1)
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(fixture.request("a1")) }
        #expect(failed.text.contains("createNetwork"), "\(failed.text)")
        #expect(fixture.engine.calls.filter { $0.hasPrefix("createNetwork") }.count == 1)
    }

    @Test("a network of the same name from another cilo home: refused, and its project is never composed down")
    func anotherHomesNetwork() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let name = EnvironmentRecord.dockerName(project: "shop", env: "a1")
        fixture.engine.with { $0.networks[name] = FakeEngine.FakeNetwork(subnet: nil, labels: ["dev.cilo.home": "/elsewhere"]) }
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(fixture.request("a1")) }
        #expect(failed.code == .anotherHome, "\(failed.text)")
        #expect(!fixture.engine.calls.contains { $0.hasPrefix("compose up") || $0.hasPrefix("compose down") })
        #expect(fixture.engine.networkNames.contains(name), "the other home's network stays")
    }

    @Test("a create that died half-way is finished removing before the environment is made again")
    func interruptedCreate() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        var record = try await manager.prepare(fixture.request("a1", start: .never)).record
        record.status = .creating
        try manager.store.save(record)
        try "left over\n".write(toFile: record.workspace + "/stale", atomically: true, encoding: .utf8)
        let again = try await manager.prepare(fixture.request("a1")).record
        #expect(again.status == .running)
        #expect(!fixture.exists(again.workspace + "/stale"), "the half-made workspace was removed, then made anew")
    }

    @Test("an environment being destroyed when cilo stopped is not started; destroy finishes it")
    func interruptedDestroy() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        var record = try await manager.prepare(fixture.request("a1")).record
        record.status = .destroying
        try manager.store.save(record)
        await #expect(throws: CiloError.self) { try await manager.prepare(fixture.request("a1")) }
        await #expect(throws: CiloError.self) { try await manager.down("a1") }
        try await manager.destroy("a1")
        #expect(try manager.store.load(project: "shop", env: "a1") == nil)
        #expect(fixture.engine.containers.isEmpty)
    }

    @Test("list and status read Docker's word: a container gone makes the environment partial")
    func reconciledStatus() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        fixture.engine.with { state in state.containers.removeAll { $0.service == "web" } }
        #expect(try await manager.status("a1").status == .partial)
        let listed = try await manager.list(allProjects: false)
        #expect(listed.map(\.status) == [.partial])
        #expect(listed[0].services.first { $0.name == "web" }?.status == "missing")
    }

    @Test("without an engine, list shows the records as last written and says so")
    func listWithoutEngine() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        fixture.engine.with { $0.reachable = false }
        #expect(try await manager.list(allProjects: false).map(\.status) == [.running])
        #expect(fixture.said.all.contains { $0.contains("Docker is not reachable") })
    }

    @Test("several destroyed side by side: each goes under its own lock, one failing stops none of the others")
    func destroySideBySide() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        for index in 1...5 { _ = try await manager.prepare(fixture.request("e\(index)")) }
        fixture.engine.fail("rm labelled shop/e3")
        let heard = TransactionFixture.Said()
        let failures = try await manager.destroy(["e1", "e2", "e3", "e4", "e5"], width: 3) { name, failure in
            heard.append("\(name) \(failure == nil ? "ok" : "failed")")
        }
        #expect(Array(failures.keys) == ["e3"])
        #expect(heard.all.count == 5 && heard.all.contains("e3 failed"))
        #expect(try manager.store.load(project: "shop", env: "e3")?.status == .destroying, "the failed one says what is left to do")
        #expect(try await manager.list(allProjects: false).map(\.name) == ["e3"])
        try await manager.destroy("e3")
        #expect(try await manager.list(allProjects: false).isEmpty)
    }
}
