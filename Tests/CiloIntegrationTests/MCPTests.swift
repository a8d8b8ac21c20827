#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// `cilo mcp` driven by a real MCP client nobody here wrote: the official Python SDK (`mcp` from
/// PyPI, installed by scripts/bootstrap into its own virtual environment), against the demo
/// project on a real Docker engine.
@Suite("cilo mcp with the Python MCP SDK", .serialized)
struct MCPTests {
    /// The Python that has the `mcp` package (`CILO_TEST_PYTHON`, else bootstrap's virtual environment).
    static var python: String {
        ProcessInfo.processInfo.environment["CILO_TEST_PYTHON"] ?? "/var/lib/cilo-test-venv/bin/python"
    }

    static var tools: [String] { EnvironmentTests.tools + [python, "git"] }

    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/mcp_client.py").path

    /// The demo as a git repository (merge needs one), a fresh home.
    private static func demo() throws -> DemoEnvironment {
        try Integration.require(tools)
        try EnvironmentTests.requireDocker()
        let check = try Integration.run([python, "-c", "import mcp"])
        guard check.status == 0 else {
            Issue.record("\(python) has no mcp package: run scripts/bootstrap (\(check.err))")
            throw IntegrationError.missing("the Python mcp package")
        }
        let demo = try DemoEnvironment()
        for command in [["init", "-q"], ["add", "-A"], ["-c", "user.email=test@cilo", "-c", "user.name=test", "commit", "-qm", "demo"]] {
            try Integration.check(["git", "-C", demo.directory] + command)
        }
        return demo
    }

    /// Runs one scenario of the client against `cilo mcp` in the demo's folder.
    private static func scenario(_ name: String, _ demo: DemoEnvironment, pidFile: String? = nil) throws -> (status: Int32, out: String, err: String) {
        try Integration.run(
            [python, client, name, Integration.ciloExecutable, demo.directory] + (pidFile.map { [$0] } ?? []),
            environment: ["CILO_HOME": demo.home], directory: demo.directory)
    }

    @Test("initialize, list tools, two creates at once, a command reaching a service by URL, a file in the diff, merge to a branch, destroy",
          .enabled(if: Integration.canRun(needing: tools)))
    func wholeFlow() throws {
        let demo = try Self.demo()
        defer { demo.tearDown() }
        let result = try Self.scenario("main", demo)
        #expect(result.status == 0, "\(result.out)\n\(result.err.suffix(3000))")
        let found = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any] ?? [:]
        #expect(found["server"] as? String == "cilo")
        #expect((found["environments"] as? [String])?.count == 2)
        #expect(try demo.list().isEmpty)
        #expect(try demo.leftovers().isEmpty)
        let branch = try Integration.run(["git", "-C", demo.directory, "branch", "--list", "cilo/*"])
        #expect(branch.out.contains("cilo/agent-1"))
    }

    @Test("bad arguments, an unknown tool and paths leaving the workspace come back as one-line errors; the server serves on",
          .enabled(if: Integration.canRun(needing: tools)))
    func errorsAreAnswers() throws {
        let demo = try Self.demo()
        defer { demo.tearDown() }
        let result = try Self.scenario("errors", demo)
        #expect(result.status == 0, "\(result.out)\n\(result.err.suffix(3000))")
        #expect(result.out.contains("leaves the workspace"))
        #expect(!FileManager.default.fileExists(atPath: "/etc/x"), "nothing was written outside")
    }

    @Test("a create the client cancels is rolled back: no record, container, network or volume is left",
          .enabled(if: Integration.canRun(needing: tools)))
    func cancelledCreate() throws {
        let demo = try Self.demo()
        defer { demo.tearDown() }
        let result = try Self.scenario("cancel", demo)
        #expect(result.status == 0, "\(result.out)\n\(result.err.suffix(3000))")
        #expect(try demo.list().isEmpty)
        #expect(try demo.leftovers().isEmpty)
    }

    @Test("the client killed mid-create: the server stops the create, rolls it back and exits; nothing half-made",
          .enabled(if: Integration.canRun(needing: tools)))
    func clientKilled() throws {
        let demo = try Self.demo()
        defer { demo.tearDown() }
        let pidFile = (demo.directory as NSString).deletingLastPathComponent + "/server.pid"
        let result = try Self.scenario("killed", demo, pidFile: pidFile)
        #expect(result.status == SIGKILL || result.status == 128 + SIGKILL, "the client was to die by SIGKILL: \(result.out)\n\(result.err.suffix(2000))")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Bounded: the server rolls back (compose down) and exits.
        var ended = false
        for _ in 0..<360 {
            if kill(pid, 0) != 0 && errno == ESRCH {
                ended = true
                break
            }
            usleep(500_000)
        }
        #expect(ended, "cilo mcp (pid \(pid)) still runs 3 minutes after its client died")
        let left = try demo.list()
        for env in left {
            #expect(env["status"] as? String == "running", "left half-made: \(env)")
        }
        if left.isEmpty { #expect(try demo.leftovers().isEmpty) }
    }

    @Test("--print-config gives each client's snippet: JSON for claude, cursor and vscode, TOML for codex, starting this binary",
          .enabled(if: Integration.canRun(needing: tools)))
    func printConfig() throws {
        let demo = try Self.demo()
        defer { demo.tearDown() }
        for client in ["claude", "cursor", "vscode"] {
            let result = try demo.cilo(["mcp", "--print-config", client])
            #expect(result.status == 0, "\(result.err)")
            let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
            let servers = (object?[client == "vscode" ? "servers" : "mcpServers"] as? [String: Any])?["cilo"] as? [String: Any]
            #expect(servers?["command"] as? String == Integration.ciloExecutable, "\(client): \(result.out)")
            #expect(servers?["args"] as? [String] == ["mcp"], "\(client): \(result.out)")
        }
        let codex = try demo.cilo(["mcp", "--print-config", "codex", "--project", "shop"])
        let toml = (demo.directory as NSString).deletingLastPathComponent + "/codex.toml"
        try codex.out.write(toFile: toml, atomically: true, encoding: .utf8)
        let parsed = try Integration.run([Self.python, "-c", "import sys, tomllib, json; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))", toml])
        #expect(parsed.status == 0, "codex's TOML does not parse: \(parsed.err)\n\(codex.out)")
        #expect(parsed.out.contains("\"args\": [\"mcp\", \"--project\", \"shop\"]"), "\(parsed.out)")
        let bad = try demo.cilo(["mcp", "--print-config", "emacs"])
        #expect(bad.status != 0 && bad.err.contains("emacs"), "\(bad.err)")
    }
}
