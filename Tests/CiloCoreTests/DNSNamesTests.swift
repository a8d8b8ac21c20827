@testable import CiloCore
import Testing

@Suite("DNS names and messages")
struct DNSNamesTests {
    private func record(_ project: String, _ env: String, status: EnvironmentRecord.Status = .running,
                        hostnames: [String] = []) -> EnvironmentRecord {
        var record = EnvironmentRecord(
            project: project, name: env, subnet: "10.224.0.0/24", workspace: "/w", source: "/s", composeFile: "/c",
            composeSources: [], createdAt: "", status: status,
            services: [ServiceRecord(name: "web", ip: "10.224.0.2", ports: ["80"], status: "running"),
                       ServiceRecord(name: "api", ip: "10.224.0.3", ports: [], status: "running")],
            cloneStrategy: .reflink, lastError: nil)
        record.ingressService = "web"
        record.labelHostnames = ["docs"]
        record.addedHostnames = hostnames
        return record
    }

    @Test("long, short, apex and extra names of an environment that is up")
    func namesOfOneEnvironment() {
        let names = DNSNames.compute([record("shop", "agent-1", hostnames: ["admin"])], suffix: ".test")
        let published = Set(names["shop.agent-1"]?.map(\.name) ?? [])
        #expect(published == ["web.agent-1.shop.test", "api.agent-1.shop.test", "web.agent-1.test", "api.agent-1.test",
                              "shop.agent-1.test", "docs.shop.agent-1.test", "admin.shop.agent-1.test"])
        #expect(names["shop.agent-1"]?.first { $0.name == "shop.agent-1.test" }?.address == "10.224.0.2")
    }

    @Test("a shared service answers in each environment with its address on that environment's network")
    func sharedService() {
        var first = record("shop", "agent-1")
        var second = record("shop", "agent-2")
        second.subnet = "10.224.1.0/24"
        var db = ServiceRecord(name: "db", ip: "10.224.0.9", ports: ["5432"], status: "running (healthy)")
        db.shared = true
        first.services.append(db)
        db.ip = "10.224.1.9"
        second.services.append(db)
        let names = DNSNames.compute([first, second], suffix: ".test")
        #expect(names["shop.agent-1"]?.first { $0.name == "db.agent-1.shop.test" }?.address == "10.224.0.9")
        #expect(names["shop.agent-2"]?.first { $0.name == "db.agent-2.shop.test" }?.address == "10.224.1.9")
    }

    @Test("the short form is withheld while two projects use the env name")
    func ambiguousShortNames() {
        let names = DNSNames.compute([record("shop", "agent-1"), record("blog", "agent-1", status: .stopped)], suffix: ".test")
        let published = Set(names["shop.agent-1"]?.map(\.name) ?? [])
        #expect(published.contains("web.agent-1.shop.test"))
        #expect(!published.contains("web.agent-1.test"))
        #expect(names["blog.agent-1"] == nil, "a stopped environment publishes nothing")
    }

    @Test("hosts files: one line per address")
    func hostsFile() {
        let entries = [DNSNames.Entry(name: "b.test", address: "10.0.0.1"), DNSNames.Entry(name: "a.test", address: "10.0.0.1"),
                       DNSNames.Entry(name: "c.test", address: "10.0.0.2")]
        #expect(DNSNames.hostsFile(entries) == "10.0.0.1 a.test b.test\n10.0.0.2 c.test\n")
    }

    @Test("suffixes and labels", arguments: [(".test", ".test"), ("test", ".test"), (".Cilo.Internal", ".cilo.internal")])
    func suffixes(raw: String, normalised: String) throws {
        #expect(try DNSSettings.validSuffix(raw) == normalised)
    }

    @Test("invalid suffixes are refused", arguments: ["", ".", "..test", ".te st", ".-x", ".x-", "a_b"])
    func invalidSuffixes(raw: String) {
        #expect(throws: CiloError.self) { try DNSSettings.validSuffix(raw) }
    }

    @Test("a DNS query is built and its answers parsed")
    func queryAndAnswer() throws {
        let query = try #require(DNSQuery.query("web.e.p.test", id: 0x1234))
        #expect(Array(query.prefix(4)) == [0x12, 0x34, 0x01, 0x00])
        #expect(Array(query[12...]) == [3] + Array("web".utf8) + [1, 0x65, 1, 0x70, 4] + Array("test".utf8) + [0, 0, 1, 0, 1])
        // The same question answered with one A record (name compressed to the question).
        var response = query
        response[2] = 0x81
        response[3] = 0x80
        response[7] = 1
        response += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 224, 0, 2]
        #expect(DNSQuery.parse(response, id: 0x1234) == .addresses(["10.224.0.2"]))
        var nxdomain = query
        nxdomain[3] = 0x83
        #expect(DNSQuery.parse(nxdomain, id: 0x1234) == .nameError)
        #expect(DNSQuery.parse(response, id: 0x9999) == .noAnswer, "an answer to another query is not ours")
        #expect(DNSQuery.query(String(repeating: "x", count: 64) + ".test", id: 1) == nil)
    }
}
