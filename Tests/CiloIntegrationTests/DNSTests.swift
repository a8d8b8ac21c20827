import Foundation
import Testing

/// Names for environments from cilo's own dnsmasq, asked with dig on a loopback test port.
@Suite("DNS names from a real dnsmasq", .serialized)
struct DNSTests {
    static let tools = ["docker", "docker-compose", "dnsmasq", "dig"]

    static func require() throws {
        try EnvironmentTests.requireDocker()
        try Integration.require(tools)
    }

    @Test("names answer as soon as up returns, and are gone after down and destroy",
          .enabled(if: Integration.canRun(needing: tools)))
    func namesFollowTheLifecycle() throws {
        try Self.require()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let port = DemoEnvironment.freePort()
        let initialised = try demo.cilo(["init", "--dns-port", "\(port)"])
        #expect(initialised.status == 0, "\(initialised.err)")
        let again = try demo.cilo(["init", "--dns-port", "\(port)"])
        #expect(again.out.contains("nothing changed"))

        #expect(try demo.cilo(["up", "agent-1"]).status == 0)
        let status = try demo.cilo(["status", "agent-1", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        let services = try #require(object["services"] as? [[String: Any]])
        let webIP = try #require(services.first { $0["name"] as? String == "web" }?["ip"] as? String)
        let dbIP = try #require(services.first { $0["name"] as? String == "db" }?["ip"] as? String)
        let p = demo.project
        #expect(try DemoEnvironment.dig("web.agent-1.\(p).test", port: port) == webIP)
        #expect(try DemoEnvironment.dig("db.agent-1.\(p).test", port: port) == dbIP)
        #expect(try DemoEnvironment.dig("web.agent-1.test", port: port) == webIP, "the short form")
        #expect(try DemoEnvironment.dig("\(p).agent-1.test", port: port) == webIP, "the apex points at the ingress")
        #expect(try DemoEnvironment.dig("any.name.under.\(p).agent-1.test", port: port) == webIP, "every name under the apex")
        #expect(try DemoEnvironment.dig("nothing-here.agent-1.\(p).test", port: port) == "NXDOMAIN")
        #expect(try DemoEnvironment.dig("example.com", port: port) == "REFUSED", "nothing outside the suffix is forwarded")

        #expect(try demo.cilo(["hostnames", "add", "agent-1", "admin"]).status == 0)
        #expect(try DemoEnvironment.dig("admin.\(p).agent-1.test", port: port) == webIP)
        // The suffix is not routed by this host's resolver: URLs use addresses, names are still given.
        let run = try demo.cilo(["run", "--no-up", "sh", "agent-1", "-c", "echo $CILO_BASE_URL $CILO_SERVICE_WEB_URL $CILO_SERVICE_DB_HOST"])
        #expect(run.out.contains("http://\(webIP) http://\(webIP) db.agent-1.\(p).test"), "\(run.out)")
        let dnsStatus = try demo.cilo(["dns", "status"])
        #expect(dnsStatus.out.contains("web.agent-1.\(p).test") && !dnsStatus.out.contains(" NO"), "\(dnsStatus.out)")

        // The server stopped behind cilo's back: doctor finds the names unanswered, --fix brings them back.
        #expect(try demo.cilo(["dns", "stop"]).status == 0)
        let noServer = try demo.cilo(["doctor"])
        #expect(noServer.status == 1 && noServer.out.contains("DNS server is not running"), "\(noServer.out)")
        let restarted = try demo.cilo(["doctor", "--fix"])
        #expect(restarted.status == 0, "\(restarted.out)")
        #expect(try DemoEnvironment.dig("web.agent-1.\(p).test", port: port) == webIP)
        #expect(try DemoEnvironment.dig("admin.\(p).agent-1.test", port: port) == webIP)
        #expect(try demo.cilo(["doctor"]).out.contains("names of running environments answer"))

        #expect(try demo.cilo(["down", "agent-1"]).status == 0)
        #expect(try DemoEnvironment.dig("web.agent-1.\(p).test", port: port) == "NXDOMAIN")
        #expect(try DemoEnvironment.dig("any.\(p).agent-1.test", port: port) == "NXDOMAIN")
        #expect(try demo.cilo(["up", "agent-1"]).status == 0)
        #expect(try DemoEnvironment.dig("admin.\(p).agent-1.test", port: port) != "NXDOMAIN", "added names are kept across up")
        // cilo's dnsmasq (and each apex responder) gives up root.
        let owners = try Integration.check(["sh", "-c", "pgrep -f '[-]-conf-file=\(demo.home)/dns/' | xargs -r ps -o user= -p"])
        #expect(!owners.isEmpty && !owners.split(separator: "\n").contains("root"), "dnsmasq runs as: \(owners)")
        #expect(try demo.cilo(["destroy", "agent-1", "--force"]).status == 0)
        for name in ["web.agent-1.\(p).test", "web.agent-1.test", "\(p).agent-1.test", "admin.\(p).agent-1.test", "x.\(p).agent-1.test"] {
            #expect(try DemoEnvironment.dig(name, port: port) == "NXDOMAIN", "\(name) after destroy")
        }
    }

    @Test("another program on cilo's DNS port: up says plainly that names are not served",
          .enabled(if: Integration.canRun(needing: tools)))
    func anotherProgramHoldsThePort() throws {
        try Self.require()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let port = DemoEnvironment.freePort()
        #expect(try demo.cilo(["init", "--dns-port", "\(port)"]).status == 0)
        #expect(try demo.cilo(["dns", "stop"]).status == 0)
        let squatter = Process()
        squatter.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        squatter.arguments = ["-c", "import socket,sys,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', int(sys.argv[1]))); print('bound', flush=True); time.sleep(60)", "\(port)"]
        let output = Pipe()
        squatter.standardOutput = output
        try squatter.run()
        defer {
            kill(squatter.processIdentifier, SIGKILL)
            squatter.waitUntilExit()
        }
        _ = output.fileHandleForReading.availableData  // "bound"
        let up = try demo.cilo(["up", "a"])
        #expect(up.status == 0, "\(up.err)")
        #expect(up.err.contains("names are not served") && up.err.contains("in use by another program"), "\(up.err)")
    }

    @Test("two projects with one env name: only the long forms are published; ten envs up at once all get names",
          .enabled(if: Integration.canRun(needing: tools)))
    func sharedNamesAndParallelUps() throws {
        try Self.require()
        let first = try DemoEnvironment()
        let second = try DemoEnvironment(sharing: first)
        defer {
            second.tearDown()
            first.tearDown()
        }
        let port = DemoEnvironment.freePort()
        #expect(try first.cilo(["init", "--dns-port", "\(port)"]).status == 0)
        let ups = try first.ciloConcurrently((1...10).map { ["up", "env-\($0)"] })
        for result in ups { #expect(result.status == 0, "\(result.err)") }
        #expect(try second.cilo(["up", "env-1"]).status == 0)
        for index in 1...10 {
            for service in ["web", "worker", "db"] {
                let answer = try DemoEnvironment.dig("\(service).env-\(index).\(first.project).test", port: port)
                #expect(answer.hasPrefix("10."), "\(service).env-\(index): \(answer)")
            }
        }
        let firstWeb = try DemoEnvironment.dig("web.env-1.\(first.project).test", port: port)
        let secondWeb = try DemoEnvironment.dig("web.env-1.\(second.project).test", port: port)
        #expect(firstWeb.hasPrefix("10.") && secondWeb.hasPrefix("10.") && firstWeb != secondWeb)
        #expect(try DemoEnvironment.dig("web.env-1.test", port: port) == "NXDOMAIN", "ambiguous: no short form")
        #expect(try DemoEnvironment.dig("web.env-2.test", port: port).hasPrefix("10."), "unique: the short form")
        #expect(try DemoEnvironment.dig("www.\(first.project).env-7.test", port: port).hasPrefix("10."), "wildcards for every env")
        #expect(try second.cilo(["destroy", "env-1", "--force"]).status == 0)
        #expect(try DemoEnvironment.dig("web.env-1.test", port: port) == firstWeb, "unique again: the short form returns")
        let responders = try Integration.run(["pgrep", "-f", first.home + "/dns/wildcard"])
        #expect(responders.out.split(separator: "\n").count == 10, "one wildcard responder per running env")
    }

    @Test("bad input: port in use, no dnsmasq, bad suffix or hostname, --system-resolver without root",
          .enabled(if: Integration.canRun(needing: tools + ["setpriv"])))
    func badInput() throws {
        try Self.require()
        try Integration.require(["setpriv"])
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let port = DemoEnvironment.freePort()
        // Hold the port with another program while cilo init tries it.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', \(port))); print('bound', flush=True); time.sleep(4)"]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        _ = try pipe.fileHandleForReading.read(upToCount: 5)  // waits for "bound"
        let busy = try demo.cilo(["init", "--dns-port", "\(port)"])
        holder.terminate()
        holder.waitUntilExit()
        Integration.expectOneLineError(busy, mentioning: ["port \(port)", "in use"])
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/config.json"), "nothing half-configured")

        let missing = try demo.cilo(["init", "--dns-port", "\(port)"], environment: ["CILO_DNSMASQ": "/nonexistent/dnsmasq"])
        Integration.expectOneLineError(missing, mentioning: ["dnsmasq is not installed", "apt-get install dnsmasq"])
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/config.json"))

        Integration.expectOneLineError(try demo.cilo(["init", "--suffix", "bad_suffix!"]), mentioning: ["invalid DNS suffix"])
        let nobody = try Integration.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Integration.ciloExecutable,
                                          "init", "--system-resolver"], environment: ["CILO_HOME": "/tmp/cilo-nobody-home"])
        Integration.expectOneLineError(nobody, mentioning: ["root"])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/cilo-nobody-home/config.json"))

        #expect(try demo.cilo(["init", "--dns-port", "\(port)"]).status == 0)
        // As root without an active systemd-resolved: the exact manual step, nothing changed.
        let resolver = try demo.cilo(["init", "--dns-port", "\(port)", "--system-resolver"])
        #expect(resolver.status == 0, "\(resolver.err)")
        #expect(resolver.out.contains("server=/test/127.0.0.1#\(port)") || resolver.out.contains("systemd-resolved routes"), "\(resolver.out)")
        #expect(try demo.cilo(["create", "named"]).status == 0)
        Integration.expectOneLineError(try demo.cilo(["hostnames", "add", "named", "not_valid!"]), mentioning: ["invalid hostname"])
        #expect(try demo.cilo(["hostnames", "list", "named"]).out.isEmpty)
    }
}
