@testable import CiloCore
import Foundation
import Testing
import Yams

@Suite("Names, subnets, projects and the compose rewrite")
struct EnvironmentRulesTests {
    @Test("valid names are kept, upper case lower-cased", arguments: [
        ("agent-1", "agent-1"), ("ABC", "abc"), ("a-b-c", "a-b-c"), ("0", "0"), (String(repeating: "a", count: 63), String(repeating: "a", count: 63)),
    ])
    func validNames(raw: String, name: String) throws {
        #expect(try NameRules.environmentName(raw) == name)
    }

    @Test("names that are not already valid are refused with the valid form suggested", arguments: [
        ("ünï", "n"), ("a/b", "a-b"), ("../x", "x"), ("Agent_1", "agent-1"), ("-x", "x"), ("x-", "x"),
        ("", ""), ("!!!", ""), (String(repeating: "a", count: 64), String(repeating: "a", count: 63)),
    ])
    func invalidNames(raw: String, suggestion: String) {
        #expect {
            try NameRules.environmentName(raw)
        } throws: { error in
            let text = (error as? CiloError)?.description ?? ""
            return text.contains("'\(raw)'") && (suggestion.isEmpty || text.contains("for example '\(suggestion)'")) && !text.contains("\n")
        }
    }

    @Test("subnets parse, overlap and allocate past what is used")
    func subnets() throws {
        let pool = try #require(Subnet("10.224.0.0/16"))
        #expect(pool.description == "10.224.0.0/16")
        #expect(Subnet("10.224.3.7/24")?.description == "10.224.3.0/24")
        #expect(Subnet("300.1.1.1/24") == nil && Subnet("fd00::/64") == nil && Subnet("10.0.0.0") == nil)
        let allocator = SubnetAllocator(pool: pool)
        #expect(allocator.capacity == 256)
        let first = try allocator.allocate(avoiding: [])
        #expect(first.description == "10.224.0.0/24")
        let used = [first, try #require(Subnet("10.224.1.0/24")), try #require(Subnet("10.224.2.128/25"))]
        #expect(try allocator.allocate(avoiding: used).description == "10.224.3.0/24")
        // Scattered (after a refusal): free ones only, and not always the first.
        let scattered = try (0..<64).map { _ in try allocator.allocate(avoiding: used, scattered: true) }
        #expect(scattered.allSatisfy { candidate in !used.contains { $0.overlaps(candidate) } })
        #expect(Set(scattered.map(\.description)).count > 1)
        let all = (0..<256).compactMap { Subnet("10.224.\($0).0/24") }.filter { $0.description != "10.224.77.0/24" }
        #expect(try allocator.allocate(avoiding: all, scattered: true).description == "10.224.77.0/24")
        // A wide route over the whole pool leaves nothing.
        #expect(throws: CiloError.self) { try allocator.allocate(avoiding: [try #require(Subnet("10.0.0.0/8"))]) }
        #expect(throws: CiloError.self) { try SubnetAllocator.pool(from: "10.1.0.0/28") }
    }

    @Test("host routes are read from /proc/net/route's little-endian words")
    func routes() {
        let table = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
            docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
            eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            """
        let routes = SubnetAllocator.hostRoutes(contents: Array(table.utf8)).map(\.description)
        #expect(routes == ["172.17.0.0/16", "192.168.2.0/24"])
    }

    @Test("the project comes from --project, .cilo/config.yml, the git top level, or the folder")
    func projectResolution() throws {
        let root = "/tmp/cilo-project-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/Repo Name/.git", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/Repo Name/sub/deeper", withIntermediateDirectories: true)
        let fromGit = try Project.resolve(explicit: nil, from: root + "/Repo Name/sub/deeper")
        #expect(fromGit.name == "repo-name")
        #expect(fromGit.root == root + "/Repo Name")
        #expect(fromGit.notice != nil)
        #expect(try Project.resolve(explicit: "Other", from: root + "/Repo Name").name == "other")

        try FileManager.default.createDirectory(atPath: root + "/Repo Name/sub/.cilo", withIntermediateDirectories: true)
        try "project: shop\ncompose_files: [deploy/compose.yml]\nsubnet_pool: 10.50.0.0/16\nexclude: [node_modules, /build]\n".write(
            toFile: root + "/Repo Name/sub/.cilo/config.yml", atomically: true, encoding: .utf8)
        let configured = try Project.resolve(explicit: nil, from: root + "/Repo Name/sub/deeper")
        #expect(configured.name == "shop")
        #expect(configured.root == root + "/Repo Name/sub")
        #expect(configured.composeFiles == ["deploy/compose.yml"])
        #expect(configured.subnetPool == "10.50.0.0/16")
        #expect(configured.excludes == ["node_modules", "/build"])

        for (text, mentioned) in [("exlude: [x]\n", "unknown setting 'exlude'"), ("exclude: node_modules\n", "exclude: must be a list")] {
            try text.write(toFile: root + "/Repo Name/sub/.cilo/config.yml", atomically: true, encoding: .utf8)
            do {
                _ = try Project.resolve(explicit: nil, from: root + "/Repo Name/sub")
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains(mentioned), "\(error.description)")
            }
        }

        try "compose_files: nope\n".write(toFile: root + "/Repo Name/sub/.cilo/config.yml", atomically: true, encoding: .utf8)
        #expect(throws: CiloError.self) { try Project.resolve(explicit: nil, from: root + "/Repo Name/sub") }
        #expect(throws: CiloError.self) { try Project.resolve(explicit: nil, from: root + "/missing") }
    }

    @Test("the compose rewrite removes host ports, container names and fixed subnets, and labels everything")
    func composeRewrite() throws {
        let resolved = """
            services:
              web:
                image: nginx
                container_name: shop-web
                ports:
                - published: 8080
                  target: 80
                - "9000:9000/udp"
                labels: ["team=a"]
              api:
                image: api
                networks: [backend]
              host:
                image: x
                network_mode: host
            networks:
              backend:
                ipam:
                  config:
                  - subnet: 172.30.0.0/16
            volumes:
              data: {}
            """
        let model = try #require(try Yams.compose(yaml: resolved))
        let result = try ComposeIsolation(project: "shop", env: "agent-1").apply(to: model)
        let text = try Yams.serialize(node: result.model)
        let output = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(output["services"] as? [String: Any])
        let web = try #require(services["web"] as? [String: Any])
        #expect(web["ports"] == nil)
        #expect(web["container_name"] == nil)
        #expect(web["expose"] as? [String] == ["80", "9000/udp"])
        let labels = try #require(web["labels"] as? [String: Any])
        #expect(labels["team"] as? String == "a")
        #expect(labels["dev.cilo.managed"] as? String == "true")
        #expect(labels["dev.cilo.project"] as? String == "shop")
        #expect(labels["dev.cilo.env"] as? String == "agent-1")
        let networks = try #require(output["networks"] as? [String: Any])
        let defaultNetwork = try #require(networks["default"] as? [String: Any])
        #expect(defaultNetwork["external"] as? Bool == true)
        #expect(defaultNetwork["name"] as? String == "cilo_shop_agent-1")
        let backend = try #require(networks["backend"] as? [String: Any])
        #expect(backend["name"] as? String == "cilo_shop_agent-1_backend")
        #expect((backend["ipam"] as? [String: Any])?["config"] == nil)
        let volumes = try #require(output["volumes"] as? [String: Any])
        #expect(((volumes["data"] as? [String: Any])?["labels"] as? [String: Any])?["dev.cilo.env"] as? String == "agent-1")
        #expect(result.warnings.contains { $0.contains("service host uses the host's network") })
        let host = try #require(services["host"] as? [String: Any])
        #expect((host["labels"] as? [String: Any])?["dev.cilo.env"] as? String == "agent-1", "host-network services are labelled too")
        #expect(result.services.first { $0.name == "host" }?.hasOwnAddress == false)
        #expect(result.ingress == "web")
        #expect(result.services.map(\.name) == ["web", "api", "host"])
    }

    @Test("the ingress is the labelled service, else web, app, frontend or nginx")
    func ingress() throws {
        let labelled = try #require(try Yams.compose(yaml: "services:\n  web: {image: a}\n  edge:\n    image: b\n    labels: {cilo.ingress: 'true'}\n"))
        #expect(try ComposeIsolation(project: "p", env: "e").apply(to: labelled).ingress == "edge")
        let plain = try #require(try Yams.compose(yaml: "services:\n  db: {image: a}\n  frontend: {image: b}\n"))
        #expect(try ComposeIsolation(project: "p", env: "e").apply(to: plain).ingress == "frontend")
        let empty = try #require(try Yams.compose(yaml: "services: {}\n"))
        #expect(throws: CiloError.self) { try ComposeIsolation(project: "p", env: "e").apply(to: empty) }
    }

    @Test("status is reconciled with the containers Docker reports")
    func reconcile() {
        let record = EnvironmentRecord(
            project: "p", name: "e", subnet: "10.224.0.0/24", workspace: "/w", source: "/s", composeFile: "/c",
            composeSources: [], createdAt: "", status: .running,
            services: [ServiceRecord(name: "a", ip: nil, ports: [], status: ""), ServiceRecord(name: "b", ip: nil, ports: [], status: "")],
            cloneStrategy: .reflink, lastError: nil)
        func container(_ service: String, _ state: String) -> DockerClient.Container {
            DockerClient.Container(id: service, project: "p", env: "e", service: service, state: state, health: nil)
        }
        #expect(record.reconciled(with: [container("a", "running"), container("b", "running")]).status == .running)
        #expect(record.reconciled(with: [container("a", "running"), container("b", "exited")]).status == .partial)
        #expect(record.reconciled(with: [container("a", "exited")]).status == .stopped)
        #expect(record.reconciled(with: []).status == .stopped)
        var created = record
        created.status = .created
        #expect(created.reconciled(with: []).status == .created)
        // A one-shot job that exited 0 is done, not stopped.
        var withJob = record
        withJob.services[1].completes = true
        var finished = container("b", "exited")
        finished.exitedCleanly = true
        #expect(withJob.reconciled(with: [container("a", "running"), finished]).status == .running)
        #expect(withJob.reconciled(with: [container("a", "running"), container("b", "exited")]).status == .partial)
        var destroying = record
        destroying.status = .destroying
        #expect(destroying.reconciled(with: [container("a", "running")]).status == .destroying)
        let other = DockerClient.Container(id: "x", project: "q", env: "e", service: "a", state: "running", health: nil)
        #expect(created.reconciled(with: [other]).status == .created, "another project's containers do not count")
    }
}
