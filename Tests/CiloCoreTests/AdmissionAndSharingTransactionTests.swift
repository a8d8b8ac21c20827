@testable import CiloCore
import Foundation
import Testing

/// Admission and shared services through the transaction, against the fake engine.
@Suite("Admission and sharing against a fake engine")
struct AdmissionAndSharingTransactionTests {
    /// The web and database stack with the database shared by the project's environments.
    static let sharedDatabase = TransactionFixture.webAndDatabase.replacingOccurrences(
        of: "    image: fake/db\n", with: "    image: fake/db\n    labels:\n      dev.cilo.share: \"true\"\n")

    @Test("beyond max_environments a start is refused at once (busy), and nothing of it is made")
    func refusedBeyondLimit() async throws {
        let fixture = try TransactionFixture(config: "project: shop\nmax_environments: 1\n")
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(fixture.request("a2")) }
        #expect(failed.code == .busy && failed.text.contains("1 of 1 environments"), "\(failed.text)")
        #expect(try manager.store.load(project: "shop", env: "a2") == nil)
        #expect(fixture.engine.containers.count == 2)
    }

    @Test("a running environment holds its place: its own up is never refused")
    func runningHoldsItsPlace() async throws {
        let fixture = try TransactionFixture(config: "project: shop\nmax_environments: 1\n")
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        let again = try await manager.prepare(fixture.request("a1", start: .unlessRunning))
        #expect(again.record.status == .running)
    }

    @Test("a stopped environment frees its place for another")
    func downFreesAPlace() async throws {
        let fixture = try TransactionFixture(config: "project: shop\nmax_environments: 1\n")
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        try await manager.down("a1")
        #expect(try await manager.prepare(fixture.request("a2")).record.status == .running)
    }

    @Test("waiting in line with a time limit gives up busy, leaving no ticket behind")
    func waitingGivesUp() async throws {
        let fixture = try TransactionFixture(config: "project: shop\nmax_environments: 1\n")
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        var request = fixture.request("a2")
        request.admission = .wait(seconds: 0.2)
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await manager.prepare(request) }
        #expect(failed.code == .busy && failed.text.contains("without a place to start"), "\(failed.text)")
        #expect(try AdmissionQueue(home: fixture.home).liveTickets(own: nil).isEmpty)
    }

    @Test("Ctrl-C while waiting in line leaves the line")
    func cancelledWhileWaiting() async throws {
        let fixture = try TransactionFixture(config: "project: shop\nmax_environments: 1\n")
        let manager = try fixture.manager()
        _ = try await manager.prepare(fixture.request("a1"))
        var request = fixture.request("a2")
        request.admission = .wait(seconds: nil)
        let cancellation = manager.cancellation
        // Raised once cilo says it waits: an event, not a sleep.
        var waiting = manager
        waiting.notice = { line in if line.contains("in line") { cancellation.cancel() } }
        let failed = await TransactionFixture.failure { () throws(CiloError) in _ = try await waiting.prepare(request) }
        #expect(failed.code == .cancelled && failed.text.contains("left the line"), "\(failed.text)")
        #expect(try AdmissionQueue(home: fixture.home).liveTickets(own: nil).isEmpty)
    }

    @Test("a shared service runs once for two environments and is attached to both")
    func sharedOnce() async throws {
        let fixture = try TransactionFixture(compose: Self.sharedDatabase)
        let manager = try fixture.manager()
        let first = try await manager.prepare(fixture.request("a1")).record
        let second = try await manager.prepare(fixture.request("a2")).record
        let databases = fixture.engine.containers.filter { $0.service == "db" }
        #expect(databases.count == 1)
        #expect(databases.first.map { Set($0.addresses.keys).isSuperset(of: [first.dockerName, second.dockerName]) } == true)
        #expect(first.services.first { $0.name == "db" }?.shared == true)
        #expect(fixture.engine.containers.filter { $0.service == "web" }.count == 2)
    }

    @Test("destroying one user detaches the shared service from it; the other keeps it")
    func sharedLeft() async throws {
        let fixture = try TransactionFixture(compose: Self.sharedDatabase, config: "project: shop\nshared_grace: 0\n")
        let manager = try fixture.manager()
        let first = try await manager.prepare(fixture.request("a1")).record
        let second = try await manager.prepare(fixture.request("a2")).record
        try await manager.destroy("a1")
        let database = try #require(fixture.engine.containers.first { $0.service == "db" })
        #expect(database.addresses[first.dockerName] == nil && database.addresses[second.dockerName] != nil)
        #expect(database.state.status == "running")
        try await manager.destroy("a2")
        #expect(fixture.engine.containers.first { $0.service == "db" }?.state.status == "exited", "unused with no grace: stopped")
        #expect(try await manager.removeSharedServicesOfEmptyProject() == ["db"])
        #expect(fixture.engine.containers.isEmpty)
    }
}
