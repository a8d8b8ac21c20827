import Foundation
import Testing

/// `cilo run --sandbox`, each guarantee tried from inside: writes to every forbidden place, a
/// mount, a ptrace, a new user namespace, the Docker socket, another environment's address and a
/// listener on the host's loopback (all traffic to this machine's own addresses, bounded).
@Suite("The sandbox holds", .serialized)
struct SandboxTests {
    static let tools = EnvironmentTests.tools + ["python3", "ip", "wget"]

    private func requireRoot() throws {
        try EnvironmentTests.requireDocker()
        try Integration.require(Self.tools)
        if Integration.isCI && !Integration.isRoot { Issue.record("sandbox tests need root under CI") }
    }

    /// Runs `script` with sh inside `env`'s sandbox; its output, one line per probe.
    private func inside(_ demo: DemoEnvironment, _ env: String, _ script: String, _ options: [String] = ["--sandbox"]) throws -> (status: Int32, out: String, err: String) {
        try demo.cilo(["run"] + options + ["sh", env, "-c", script])
    }

    @Test("writes land only in the workspace and TMPDIR; no capability, no mount, no ptrace, no user namespace, no Docker",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func confinesTheCommand() throws {
        try requireRoot()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "a"]).status == 0)
        #expect(try demo.cilo(["create", "other"]).status == 0)
        let home = demo.home, other = demo.home + "/envs/\(demo.project)/other"
        let forbidden = [demo.directory + "/from-sandbox", other + "/from-sandbox", home + "/from-sandbox", "/etc/cilo-sandbox-test",
                         (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/cilo-sandbox-test", "/tmp/cilo-sandbox-test"]
        let script = forbidden.map { "echo x > '\($0)' 2>/dev/null && echo WROTE \($0)" }.joined(separator: "\n") + """

            echo mine > in-workspace.txt && echo workspace-ok
            echo t > "$TMPDIR/t" && echo tmpdir-ok
            echo quiet > /dev/null && echo devnull-ok
            grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|CapInh|NoNewPrivs):' /proc/self/status
            mount -t tmpfs none /mnt 2>/dev/null && echo MOUNTED
            unshare -U true 2>/dev/null && echo USERNS
            python3 -c "import ctypes; libc=ctypes.CDLL(None, use_errno=True); print('PTRACED' if libc.ptrace(16, 1, 0, 0) == 0 else 'ptrace-refused')"
            python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect('/var/run/docker.sock'); print('DOCKER')" 2>/dev/null
            sh -c 'echo child > /etc/cilo-sandbox-child' 2>/dev/null && echo CHILD-WROTE
            true
            """
        let result = try inside(demo, "a", script)
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        for escape in ["WROTE", "MOUNTED", "USERNS", "PTRACED", "DOCKER", "CHILD-WROTE"] {
            #expect(!lines.contains { $0.hasPrefix(escape) }, "escaped: \(lines)")
        }
        for path in forbidden { #expect(!FileManager.default.fileExists(atPath: path), "\(path) was written") }
        for expected in ["workspace-ok", "tmpdir-ok", "devnull-ok", "ptrace-refused", "NoNewPrivs:\t1"] {
            #expect(lines.contains(expected), "\(expected) missing: \(lines)")
        }
        for set in ["CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"] {
            #expect(lines.contains("\(set):\t0000000000000000"), "\(set) not empty: \(lines)")
        }
        #expect(FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/a/in-workspace.txt"))
        // The Docker socket comes back only when asked for.
        let allowed = try inside(demo, "a", "ls -l /var/run/docker.sock", ["--sandbox", "--allow-docker"])
        #expect(allowed.out.hasPrefix("s"), "the socket is a socket again: \(allowed.out)")
        // status and list --json say how the last run was confined.
        let listed = try demo.list().first { $0["name"] as? String == "a" }
        #expect((listed?["sandbox"] as? [String: Any])?["network"] as? String == "env")
        #expect(try demo.cilo(["status", "a"]).out.contains("sandboxed (network env"))
    }

    @Test("the environment's network: its services by name; not another environment, not the host's loopback; none: loopback only",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func networkIsTheEnvironments() throws {
        try requireRoot()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "a"]).status == 0)
        #expect(try demo.cilo(["up", "b"]).status == 0)
        let status = try JSONSerialization.jsonObject(with: Data(try demo.cilo(["status", "b", "--json"]).out.utf8)) as? [String: Any]
        let otherWeb = try #require((status?["services"] as? [[String: Any]])?.first { $0["name"] as? String == "web" }?["ip"] as? String)
        // A listener on the host's loopback, made by this test and ended by it.
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let port = DemoEnvironment.freePort()
        listener.arguments = ["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1"]
        listener.standardOutput = FileHandle.nullDevice
        listener.standardError = FileHandle.nullDevice
        try listener.run()
        // SIGKILL: the test runner's blocked signals are the listener's too.
        defer {
            kill(listener.processIdentifier, SIGKILL)
            listener.waitUntilExit()
        }
        var listening = false
        for _ in 0..<50 where !listening {
            listening = (try? Integration.run(["wget", "-qO-", "-T", "1", "--tries=1", "http://127.0.0.1:\(port)/"]))?.status == 0
            if !listening { usleep(100_000) }
        }
        #expect(listening, "the host's loopback listener answers outside the sandbox")
        let probes = """
            wget -qO- -T 3 --tries=1 http://web/ | head -1; wget -qO- -T 2 --tries=1 http://\(otherWeb)/ >/dev/null 2>&1 && echo REACHED-OTHER
            ; wget -qO- -T 2 --tries=1 http://127.0.0.1:\(port)/ >/dev/null 2>&1 && echo REACHED-HOST-LOOPBACK; true
            """
        let env = try inside(demo, "a", probes)
        #expect(env.out.hasPrefix("hello from a"), "http://web/ answers as inside the environment: \(env.out)\(env.err)")
        #expect(!env.out.contains("REACHED"), "\(env.out)")
        let none = try inside(demo, "a", "wget -qO- -T 2 --tries=1 http://web/ >/dev/null 2>&1 && echo REACHED-WEB; ip -o link | wc -l", ["--sandbox", "--sandbox-network", "none"])
        #expect(none.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "loopback only: \(none.out)\(none.err)")
        // cilo's namespaces only: other suites running at once make and remove namespaces of their own.
        func ciloNamespaces() throws -> Set<String> {
            Set(try Integration.check(["ip", "netns", "list"]).split(separator: "\n").map { String($0.split(separator: " ")[0]) }
                .filter { $0.hasPrefix("cilo-") })
        }
        // The namespace deleted by hand is made again; destroy removes it.
        for name in try ciloNamespaces() { _ = try Integration.run(["ip", "netns", "delete", name]) }
        #expect(try inside(demo, "a", "wget -qO- -T 3 --tries=1 http://web/ | head -1").out.hasPrefix("hello from a"))
        let before = try ciloNamespaces()
        #expect(try demo.cilo(["destroy", "a", "--force"]).status == 0)
        let after = try ciloNamespaces()
        #expect(after.isSubset(of: before) && before.subtracting(after).count == 1, "destroy removes its namespace: \(before) then \(after)")
    }

    @Test("exit status and signals pass through, --rm too; bad input is one line and runs nothing",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func passesThroughAndRefuses() throws {
        try requireRoot()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        #expect(try inside(demo, "a", "exit 7", ["--sandbox", "--sandbox-network", "none"]).status == 7)
        // Ended by a signal: cilo (which became the command, or waited for it) ends by it too. The
        // test runner blocks signals its children inherit: unblocked first, as in a shell.
        let unblocked = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); os.execv(sys.argv[1], sys.argv[1:])",
                         Integration.ciloExecutable, "run", "--sandbox", "--sandbox-network", "none"]
        for extra in [[], ["--rm"]] {
            let signalled = try Integration.run(unblocked + extra + ["sh", extra.isEmpty ? "a" : "gone2", "-c", "grep -E \"SigBlk|SigIgn\" /proc/self/status; kill -TERM $$"],
                                                environment: ["CILO_HOME": demo.home], directory: demo.directory)
            #expect(signalled.status == SIGTERM, "\(extra): \(signalled)")
        }
        #expect(try inside(demo, "gone", "exit 3", ["--rm", "--sandbox", "--sandbox-network", "none"]).status == 3)
        #expect(try demo.list().allSatisfy { $0["name"] as? String != "gone" })
        let unknown = try demo.cilo(["run", "--sandbox", "--sandbox-network", "internet", "true", "a"])
        #expect(unknown.status != 0 && unknown.err.contains("internet"), "\(unknown.err)")
        let conflicting = try demo.cilo(["run", "--no-sandbox", "--allow-docker", "true", "a"])
        #expect(conflicting.status != 0 && conflicting.err.contains("--no-sandbox"), "\(conflicting.err)")
        Integration.expectOneLineError(
            try demo.cilo(["run", "--sandbox", "--sandbox-network", "none", "no-such-command-xyz", "a"]), mentioning: ["no-such-command-xyz"])
        // sandbox: true in the config confines every run; --no-sandbox overrides.
        try demo.addToConfig("sandbox: true")
        let confined = try demo.cilo(["run", "--sandbox-network", "none", "sh", "a", "-c", "grep NoNewPrivs /proc/self/status"])
        #expect(confined.out.contains("1"), "\(confined.out)\(confined.err)")
        #expect(try demo.cilo(["run", "--no-sandbox", "sh", "a", "-c", "grep NoNewPrivs /proc/self/status"]).out.contains("0"))
    }

    @Test("without root: a user namespace for the mounts; the same confinement; --sandbox-network env is refused naming root",
          .enabled(if: Integration.canRun(needing: tools + ["setpriv"]) && Integration.isRoot))
    func withoutRoot() throws {
        try Integration.require(Self.tools + ["setpriv"])
        let root = try Integration.temporaryDirectory("sandbox-nobody")
        defer { Integration.removeTemporary(root) }
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/demo").path
        try Integration.check(["cp", "-a", demo, root + "/project"])
        try "project: nobodysandbox\n".write(toFile: root + "/project/.cilo/config.yml", atomically: true, encoding: .utf8)
        try Integration.check(["mkdir", "-p", root + "/home"])
        try Integration.check(["chown", "-R", "65534:65534", root + "/home", root + "/project"])
        let asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Integration.ciloExecutable]
        let variables = ["CILO_HOME": root + "/home", "HOME": root + "/home"]
        let script = "echo mine > in.txt && echo workspace-ok; echo x > '\(root)/project/escape' 2>/dev/null && echo WROTE; "
            + "grep NoNewPrivs /proc/self/status; python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('/var/run/docker.sock'); print('DOCKER')\" 2>/dev/null; exit 4"
        let run = try Integration.run(asNobody + ["run", "--no-up", "--sandbox", "--sandbox-network", "none", "sh", "x", "-c", script],
                                      environment: variables, directory: root + "/project")
        #expect(run.status == 4, "\(run.err)")
        #expect(run.out.contains("workspace-ok") && run.out.contains("NoNewPrivs:\t1"), "\(run.out)")
        #expect(!run.out.contains("WROTE") && !run.out.contains("DOCKER"), "\(run.out)")
        let env = try Integration.run(asNobody + ["run", "--no-up", "--sandbox", "true", "x"], environment: variables, directory: root + "/project")
        Integration.expectOneLineError(env, mentioning: ["--sandbox-network env", "root"])
    }
}
