#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The workspace's compose file and env files are the agent's: read as data, judged against
/// the source's, and no child cilo starts for them may hang it.
@Suite("The agent's compose file gives it no new power", .serialized)
struct UntrustedComposeTests {
    @Test("a compose file that is an alias bomb or a FIFO is refused in one line before compose sees it; nothing is made",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func hostileComposeFilesAreRefused() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        var bomb = ["x-a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
        for level in 1...9 { bomb.append("x-a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]") }
        bomb.append("services:\n  web:\n    image: cilo-test/busybox\n    labels: {bomb: \"1\"}\n    x-bomb: *a9")
        let compose = demo.directory + "/docker-compose.yml"
        try bomb.joined(separator: "\n").write(toFile: compose, atomically: true, encoding: .utf8)
        Integration.expectOneLineError(try demo.cilo(["create", "bomb"]), mentioning: ["aliases expand", "docker-compose.yml"])
        try FileManager.default.removeItem(atPath: compose)
        #expect(mkfifo(compose, 0o644) == 0)
        Integration.expectOneLineError(try demo.cilo(["create", "fifo"]), mentioning: ["not a regular file", "docker-compose.yml"])
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/bomb"))
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/state/\(demo.project)/fifo.json"))
    }

    @Test("a child that hangs meets its time limit, and SIGTERM to cilo stops compose (and its plugin) before the rollback",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func childrenHaveLimits() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              web:
                image: cilo-test/busybox
                command: ["sleep", "600"]
                env_file: ./hang.env
            """)
        defer { demo.tearDown() }
        // compose config opens the FIFO and waits for a writer that never comes.
        #expect(mkfifo(demo.directory + "/hang.env", 0o644) == 0)
        let timedOut = try demo.cilo(["up", "slow"], environment: ["CILO_CHILD_TIMEOUT": "2"])
        Integration.expectOneLineError(timedOut, mentioning: ["compose config did not finish within", "CILO_CHILD_TIMEOUT"])
        #expect(try Integration.run(["pgrep", "-f", "cilo_\(demo.project)_slow"]).out.isEmpty, "no compose left running")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/state/\(demo.project)/slow.json"), "rolled back")

        // SIGTERM to cilo alone (not its group, as an orchestrator sends it).
        let script = """
            import os, signal, subprocess, sys, time
            child = subprocess.Popen(sys.argv[1:], env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.time() + 30
            def composing():
                return subprocess.run(["pgrep", "-f", "cilo_" + os.environ["PROJECT"] + "_stopped"], capture_output=True).stdout.strip() != b""
            while not composing() and time.time() < deadline: time.sleep(0.1)
            os.kill(child.pid, signal.SIGTERM)
            try: child.wait(timeout=30)
            except subprocess.TimeoutExpired: child.kill(); child.wait()
            print(child.returncode, composing(), child.stderr.read().decode().strip().replace("\\n", " | "))
            """
        let stopped = try Integration.run(["python3", "-c", script, Integration.ciloExecutable, "up", "stopped"],
                                          environment: ["CILO_HOME": demo.home, "PROJECT": demo.project], directory: demo.directory)
        #expect(stopped.out.hasPrefix("130 False"), "cilo ends as cancelled and no compose is left: \(stopped.out)\(stopped.err)")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/state/\(demo.project)/stopped.json"), "rolled back")
    }

    @Test("env_files: a symlink is judged by its target: outside the workspace is refused in one line, inside works",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func symlinkedEnvFilesAreJudgedByTarget() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              web:
                image: cilo-test/busybox
                command: ["sleep", "600"]
                labels: {token: "${TOKEN:-none}"}
            """)
        defer { demo.tearDown() }
        try demo.addToConfig("env_files: [.env.local]")
        let secret = (demo.directory as NSString).deletingLastPathComponent + "/secret.env"
        try "TOKEN=host-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: demo.directory + "/.env.local", withDestinationPath: secret)
        let refused = try demo.cilo(["create", "e1"])
        Integration.expectOneLineError(refused, mentioning: ["env_files: .env.local", "outside the workspace"])
        #expect(!refused.out.contains("host-secret") && !refused.err.contains("host-secret"))
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/state/\(demo.project)/e1.json"))
        try FileManager.default.removeItem(atPath: demo.directory + "/.env.local")
        try FileManager.default.createDirectory(atPath: demo.directory + "/config", withIntermediateDirectories: true)
        try "TOKEN=inside\n".write(toFile: demo.directory + "/config/env", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: demo.directory + "/.env.local", withDestinationPath: "config/env")
        let created = try demo.cilo(["create", "e2"])
        #expect(created.status == 0, "\(created.err)")
        let generated = try String(contentsOfFile: demo.home + "/generated/\(demo.project)/e2/compose.yml", encoding: .utf8)
        #expect(generated.contains("inside"), "the file inside the workspace was read")
    }

    @Test("a restart gives no new power: each host-reaching setting the workspace adds is refused by name, the running environment untouched; --trust-workspace and trust_workspace: allow",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func restartGivesNoNewPower() throws {
        try EnvironmentTests.requireDocker()
        let source = """
            services:
              web:
                image: cilo-test/busybox
                command: ["sleep", "600"]
                cap_add: [NET_ADMIN]
            """
        let demo = try DemoEnvironment(composeOverride: source)
        defer { demo.tearDown() }
        #expect(try demo.cilo(["up", "p1"]).status == 0)
        let running = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "label=dev.cilo.env=p1"])
        let workspace = demo.home + "/envs/\(demo.project)/p1"
        let marker = (demo.directory as NSString).deletingLastPathComponent + "/host-marker"
        let added: [(setting: String, named: String)] = [
            ("volumes: [\"/:/host\"]\n    entrypoint: [\"touch\", \"/host\(marker)\"]", "bind /"),
            ("volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]", "bind /var/run/docker.sock"),
            ("privileged: true", "privileged"),
            ("cap_add: [NET_ADMIN, SYS_ADMIN]", "cap_add SYS_ADMIN"),
            ("devices: [\"/dev/fuse:/dev/fuse\"]", "devices /dev/fuse"),
            ("pid: host", "pid host"),
            ("ipc: host", "ipc host"),
            ("network_mode: host", "network_mode host"),
            ("userns_mode: host", "userns_mode host"),
            ("security_opt: [\"seccomp:unconfined\"]", "security_opt seccomp:unconfined"),
            ("sysctls: {net.core.somaxconn: \"1024\"}", "sysctls net.core.somaxconn"),
        ]
        for (setting, named) in added {
            try (source + "\n  agent:\n    image: cilo-test/busybox\n    command: [\"sleep\", \"600\"]\n    " + setting + "\n")
                .write(toFile: workspace + "/docker-compose.yml", atomically: true, encoding: .utf8)
            let refused = try demo.cilo(["up", "p1"])
            Integration.expectOneLineError(refused, mentioning: ["service agent: \(named)", "--trust-workspace"])
            #expect(!refused.err.contains("service web:"), "the source's own cap_add NET_ADMIN is allowed: \(refused.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing of the agent's service ran")
        let after = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "label=dev.cilo.env=p1"])
        #expect(after == running, "the environment runs on as it was")
        let status = try demo.cilo(["status", "p1", "--json"])
        #expect(status.out.contains("\"running\""), "\(status.out)")

        // --trust-workspace starts it, and still names it.
        try (source + "\n  agent:\n    image: cilo-test/busybox\n    command: [\"sleep\", \"600\"]\n    sysctls: {net.core.somaxconn: \"1024\"}\n")
            .write(toFile: workspace + "/docker-compose.yml", atomically: true, encoding: .utf8)
        let flagged = try demo.cilo(["up", "p1", "--trust-workspace"])
        #expect(flagged.status == 0 && flagged.err.contains("service agent: sysctls net.core.somaxconn"), "\(flagged.err)")

        // Trusted by the config, the bind starts (so the check above could fail).
        try "services:\n  agent:\n    image: cilo-test/busybox\n    volumes: [\"/:/host\"]\n    command: [\"sh\", \"-c\", \"touch /host\(marker) && exec sleep 600\"]\n"
            .write(toFile: workspace + "/docker-compose.yml", atomically: true, encoding: .utf8)
        try demo.addToConfig("trust_workspace: [bind]")
        let trusted = try demo.cilo(["up", "p1"])
        #expect(trusted.status == 0 && trusted.err.contains("outside the project's workspace"), "\(trusted.err)")
        #expect(FileManager.default.fileExists(atPath: marker), "the trusted bind ran")
    }
}
