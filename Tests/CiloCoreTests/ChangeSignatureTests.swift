import CiloCore
import Foundation
import Testing

/// What `cilo ui` looks at between full passes: a record written or a container changed shows.
@Suite("The home's change signature")
struct ChangeSignatureTests {
    @Test("the state files' fingerprint and the containers' states change with a create, an up and a down, and only then")
    func signatureFollowsChanges() async throws {
        let fixture = try TransactionFixture()
        let manager = try fixture.manager()
        let empty = try manager.store.fingerprint()
        #expect(empty.isEmpty)
        _ = try await manager.prepare(fixture.request("a1"))
        let running = try manager.store.fingerprint()
        let states = try await manager.engine.containerStates()
        #expect(running.count == 1 && !states.isEmpty)
        #expect(try manager.store.fingerprint() == running, "nothing written: the same fingerprint")
        #expect(try await manager.engine.containerStates() == states)
        try await manager.down("a1")
        #expect(try manager.store.fingerprint() != running, "the record was written")
        #expect(try await manager.engine.containerStates() != states, "the containers went")
    }
}
