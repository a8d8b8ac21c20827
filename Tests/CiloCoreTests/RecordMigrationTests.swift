@testable import CiloCore
import Foundation
import Testing

/// Records of every shape earlier versions wrote load, are migrated to the current schema, and
/// are written back in it; records no cilo wrote are refused as damaged, naming why.
@Suite("Environment records: schema versions and migration")
struct RecordMigrationTests {
    /// A record of each earlier shape: the first (before names, hostnames and warnings), one
    /// from when names became unambiguous, and the last before `schemaVersion`.
    static let earlier: [String: String] = [
        "v1-first": #"""
            {"project":"shop","name":"agent-1","subnet":"10.224.3.0/24","workspace":"/root/.cilo/envs/shop/agent-1","source":"/src/shop","composeFile":"/root/.cilo/generated/shop/agent-1/compose.yml","composeSources":["docker-compose.yml"],"createdAt":"2026-09-01T10:00:00Z","status":"running","services":[{"name":"web","ip":"10.224.3.2","ports":["80/tcp"],"status":"running"}],"cloneStrategy":"reflink","ingressService":"web"}
            """#,
        "v1-names": #"""
            {"project":"shop","name":"agent-2","subnet":"10.224.4.0/24","workspace":"/root/.cilo/envs/shop/agent-2","source":"/src/shop","composeFile":"/root/.cilo/generated/shop/agent-2/compose.yml","composeSources":["compose.yml"],"createdAt":"2026-09-20T10:00:00Z","status":"stopped","services":[{"name":"db","ip":null,"ports":[],"status":"stopped","completes":true}],"cloneStrategy":"snapshot","lastError":null,"composeProject":"cilo_shop_agent-2","warnings":["service db uses the host's network"],"labelHostnames":["docs"],"addedHostnames":["admin"]}
            """#,
        "v1-last": #"""
            {"project":"shop","name":"agent-3","subnet":"10.224.5.0/24","workspace":"/root/.cilo/envs/shop/agent-3","source":"/src/shop","composeFile":"/root/.cilo/generated/shop/agent-3/compose.yml","composeSources":["compose.yml"],"createdAt":"2026-11-30T10:00:00Z","status":"failed","services":[{"name":"api","ip":"10.224.5.3","ports":["3000"],"status":"exited (1)","completes":false,"oomKilled":true,"oomKills":2,"restartCount":1,"memoryLimit":268435456},{"name":"db","ip":null,"ports":[],"status":"created","shared":true}],"cloneStrategy":"overlay","lastError":"service api of 'agent-3' exited with code 1","composeProject":"cilo_shop_agent-3","warnings":[],"baseCommit":"0123456789abcdef0123456789abcdef01234567","removedEnvFiles":[".env.local"],"images":["cilo-build/shop-api:abc"],"cloneSeconds":0.012,"overlayBase":"b1","sandbox":{"network":"none","allowsDocker":false},"limits":{"memoryBytes":536870912,"cpus":1.5},"sharing":{"shared":["db"],"isolated":[]}}
            """#,
    ]

    @Test("each earlier shape loads as schema 2", arguments: ["v1-first", "v1-names", "v1-last"])
    func earlierShapes(name: String) throws {
        let record = try RecordMigration.decode(Data(try #require(Self.earlier[name]).utf8))
        #expect(record.schemaVersion == 2)
        #expect(record.project == "shop" && record.name.hasPrefix("agent-"))
    }

    @Test("the first shape keeps its old Docker name; later ones keep theirs")
    func dockerNames() throws {
        let first = try RecordMigration.decode(Data(try #require(Self.earlier["v1-first"]).utf8))
        #expect(first.dockerName == "cilo-shop-agent-1" && first.cloneStrategy == .reflink && first.lastError == nil)
        let named = try RecordMigration.decode(Data(try #require(Self.earlier["v1-names"]).utf8))
        #expect(named.dockerName == "cilo_shop_agent-2" && named.hostnames == ["docs", "admin"] && named.services[0].completes == true)
    }

    @Test("the last shape keeps every field")
    func lastShape() throws {
        let record = try RecordMigration.decode(Data(try #require(Self.earlier["v1-last"]).utf8))
        #expect(record.cloneStrategy == .overlay && record.overlayBase == "b1" && record.status == .failed)
        #expect(record.sandbox == SandboxSettings(network: .none) && record.limits?.cpus == 1.5 && record.sharing?.shared == ["db"])
        #expect(record.services[0].oomKills == 2 && record.services[1].shared == true && record.images == ["cilo-build/shop-api:abc"])
    }

    @Test("a migrated record is saved in the current shape and reads back the same")
    func savedAgain() throws {
        let folder = NSTemporaryDirectory() + "cilo-records-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = StateStore(home: CiloHome(root: BytePath(folder)))
        let record = try RecordMigration.decode(Data(try #require(Self.earlier["v1-first"]).utf8))
        try store.save(record)
        #expect(try store.load(project: "shop", env: "agent-1") == record)
        let written = try String(contentsOfFile: folder + "/state/shop/agent-1.json", encoding: .utf8)
        #expect(written.contains("\"schemaVersion\" : 2") && written.contains("\"composeProject\" : \"cilo-shop-agent-1\""))
    }

    @Test("records no cilo wrote are refused as damaged, naming why", arguments: [
        ("[1, 2]", "not a JSON object"), ("{", "not JSON"), (#"{"schemaVersion": 3}"#, "newer cilo"),
        (#"{"schemaVersion": "two"}"#, "not a whole number"), (#"{"project": "shop", "name": "a"}"#, "does not fit"),
    ])
    func refused(text: String, reason: String) {
        do {
            _ = try RecordMigration.decode(Data(text.utf8))
            Issue.record("\(text) was read")
        } catch {
            #expect(error.code == .damaged && error.description.contains(reason), "\(error.description)")
        }
    }

    @Test("a workspace method no cilo writes is refused")
    func unknownMethod() throws {
        let text = try #require(Self.earlier["v1-first"]).replacingOccurrences(of: "\"reflink\"", with: "\"teleport\"")
        #expect(throws: CiloError.self) { try RecordMigration.decode(Data(text.utf8)) }
    }

    @Test("a whole record of a newer schema is refused, not read as this one")
    func newerWhole() throws {
        let current = try RecordMigration.decode(Data(try #require(Self.earlier["v1-last"]).utf8))
        var newer = current
        newer.schemaVersion = RecordMigration.currentVersion + 1
        let data = try JSONEncoder().encode(newer)
        do {
            _ = try RecordMigration.decode(data)
            Issue.record("a newer record was read")
        } catch {
            #expect(error.code == .damaged && error.description.contains("newer cilo"), "\(error.description)")
        }
        #expect(try RecordMigration.decode(JSONEncoder().encode(current)) == current, "the current shape reads back as written")
    }
}
