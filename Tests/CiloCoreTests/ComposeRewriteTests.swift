@testable import CiloCore
import Testing
import Yams

/// The isolation rewrite on the shapes real compose files have.
@Suite("The compose rewrite on real shapes")
struct ComposeRewriteTests {
    private func rewrite(_ yaml: String, paths: ComposePaths? = nil) throws -> (ComposeIsolation.Result, [String: Any]) {
        let model = try #require(try Yams.compose(yaml: yaml))
        let isolation = ComposeIsolation(project: "shop", env: "a1", home: "/h", subnet: Subnet("10.224.7.0/24"), paths: paths)
        let result = try isolation.apply(to: model)
        let output = try #require(try Yams.load(yaml: try Yams.serialize(node: result.model)) as? [String: Any])
        return (result, output)
    }

    private func service(_ output: [String: Any], _ name: String) throws -> [String: Any] {
        try #require((output["services"] as? [String: Any])?[name] as? [String: Any])
    }

    @Test("ports fold into expose once each: short and long syntax, ranges, host_ip, IPv6, protocols")
    func ports() throws {
        let (result, output) = try rewrite("""
            name: shop
            services:
              api:
                image: a
                expose: ["3000", "9229"]
                ports:
                - "3000:3000"
                - "127.0.0.1:8080:80"
                - "[::1]:8443:443"
                - "9000-9002:8000-8002"
                - "6060:6060/udp"
                - "3000/tcp"
                - {target: 5000, published: "5000", host_ip: 0.0.0.0, protocol: tcp, mode: host}
                - {target: 5353, protocol: udp}
            """)
        let api = try service(output, "api")
        #expect(api["ports"] == nil)
        #expect(api["expose"] as? [String] == ["3000", "9229", "80", "443", "8000-8002", "6060/udp", "5000", "5353/udp"])
        #expect(output["name"] == nil, "cilo names the project itself")
        #expect(result.services.first?.ports == ["3000", "80", "443", "8000-8002", "6060/udp", "3000", "5000", "5353/udp"])
        #expect(ComposePorts.firstPort("8000-8002/udp") == "8000")
    }

    @Test("a fixed ipv4_address on the default network keeps its host part in the environment's subnet")
    func fixedAddresses() throws {
        let (result, output) = try rewrite("""
            services:
              db:
                image: a
                networks:
                  default: {ipv4_address: 172.20.0.5}
              cache:
                image: b
                networks:
                  backend: {ipv4_address: 172.30.0.9}
            networks:
              default:
                ipam: {config: [{subnet: 172.20.0.0/16}]}
              backend:
                ipam: {config: [{subnet: 172.30.0.0/16}]}
            """)
        let db = try service(output, "db")
        #expect(((db["networks"] as? [String: Any])?["default"] as? [String: Any])?["ipv4_address"] as? String == "10.224.7.5")
        let cache = try service(output, "cache")
        #expect(((cache["networks"] as? [String: Any])?["backend"] as? [String: Any])?["ipv4_address"] == nil)
        #expect(result.warnings.contains { $0.contains("172.20.0.5 is 10.224.7.5") })
        #expect(result.warnings.contains { $0.contains("172.30.0.9") && $0.contains("dropped") })
        #expect(throws: CiloError.self) {
            try rewrite("services:\n  db:\n    image: a\n    networks:\n      default: {ipv4_address: 172.20.0.1}\n")
        }
    }

    @Test("every isolation warning: host network, privileged, devices, host pid, paths outside the workspace")
    func warnings() throws {
        let paths = ComposePaths(workspace: "/h/envs/shop/a1", source: "/src/shop", home: "/h")
        let (result, output) = try rewrite("""
            services:
              probe:
                image: a
                network_mode: host
                container_name: probe
                ports: ["9100:9100"]
                privileged: true
                pid: host
                devices: ["/dev/fuse:/dev/fuse"]
                volumes:
                - /h/envs/shop/a1/data:/data
                - /h/envs/shop/outside:/outside
                - /var/run/docker.sock:/var/run/docker.sock
                - named:/named
              web:
                image: b
                build: {context: /h/envs/shop/a1/web}
                volumes:
                - {type: bind, source: /h/envs/shop/a1/conf, target: /conf}
                - {type: bind, source: /h/envs/shared, target: /shared}
            volumes:
              named: {}
            """, paths: paths)
        let probe = try service(output, "probe")
        #expect(probe["container_name"] == nil && probe["ports"] == nil)
        #expect(probe["volumes"] as? [String] == [
            "/h/envs/shop/a1/data:/data", "/src/outside:/outside", "/var/run/docker.sock:/var/run/docker.sock", "named:/named",
        ])
        let web = try service(output, "web")
        let binds = try #require(web["volumes"] as? [[String: Any]])
        #expect(binds.map { $0["source"] as? String } == ["/h/envs/shop/a1/conf", "/shared"])
        for fragment in ["uses the host's network", "is privileged", "host devices", "host's pid", "/src/outside", "/var/run/docker.sock", "(/shared)"] {
            #expect(result.warnings.contains { $0.contains(fragment) }, "no warning mentions \(fragment): \(result.warnings)")
        }
        #expect(!result.warnings.contains { $0.contains("/h/envs/shop/a1/data") }, "a path inside the workspace is no warning")
    }

    @Test("a relative path can never reach into cilo's home beside the workspace")
    func pathsStayOutOfHome() throws {
        let paths = ComposePaths(workspace: "/h/envs/shop/a1", source: "/h/envs/shop/a1-src", home: "/h")
        #expect(throws: CiloError.self) { try paths.resolve("/h/envs/shop/other") }
        #expect(try paths.resolve("/h/envs/shop/a1/./x/../y") == .workspace("/h/envs/shop/a1/y"))
        #expect(ComposePaths.relative(from: "/a/b/c", to: "/a/x") == "../../x")
    }

    @Test("Docker names are unambiguous for every project and environment pair")
    func dockerNames() {
        #expect(EnvironmentRecord.dockerName(project: "a-b", env: "c") != EnvironmentRecord.dockerName(project: "a", env: "b-c"))
        #expect(EnvironmentRecord.dockerName(project: "a", env: "b") == "cilo_a_b")
    }

    @Test("readiness: running, healthy, a finished one-shot job, failures and restarts")
    func readiness() {
        typealias State = ContainerInspection.State
        let job = RenderedService(name: "migrate")
        var server = RenderedService(name: "web")
        server.restartsAfterSuccess = true
        server.restartsAfterFailure = true
        #expect(ServiceReadiness.judge(State(status: "running", exitCode: 0, health: nil), service: job) == .ready)
        #expect(ServiceReadiness.judge(State(status: "running", exitCode: 0, health: "starting"), service: job) == .waiting)
        #expect(ServiceReadiness.judge(State(status: "running", exitCode: 0, health: "unhealthy"), service: job) == .failed("is unhealthy"))
        #expect(ServiceReadiness.judge(State(status: "exited", exitCode: 0, health: nil), service: job) == .ready)
        #expect(ServiceReadiness.judge(State(status: "exited", exitCode: 3, health: nil), service: job) == .failed("exited with code 3"))
        #expect(ServiceReadiness.judge(State(status: "exited", exitCode: 0, health: nil), service: server) == .waiting)
        #expect(ServiceReadiness.judge(State(status: "exited", exitCode: 1, health: nil), service: server) == .waiting)
        #expect(ServiceReadiness.judge(State(status: "created", exitCode: 0, health: nil), service: job) == .waiting)
    }

    @Test("Compose v1's copies lose only the top-level name; YAML errors name the line")
    func sourceFiles() throws {
        #expect(ComposeSourceFiles.withoutTopLevelName("name: shop\nservices:\n  web:\n    name: keep\n") == "services:\n  web:\n    name: keep\n")
        do {
            _ = try Yams.compose(yaml: "services:\n  web:\n    image: a\n   bad: [\n")
            Issue.record("expected a YAML error")
        } catch {
            #expect(ComposeSourceFiles.oneLine(error).hasPrefix("line "), "\(ComposeSourceFiles.oneLine(error))")
        }
    }
}
