import Foundation
import Testing

/// A second machine on this one (`scripts/second-engine`): its own network namespace and
/// address, dockerd and sshd, and a tmpfs for its files that this side cannot see. ssh is the
/// only way to it, and all traffic goes to its address.
final class SecondEngine: Sendable {
    let folder: String
    let address: String
    let key: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/second-engine").path

    /// `withoutRsync`: a machine with no rsync (cilo's own sync then).
    init(withoutRsync: Bool = false) throws {
        folder = try Integration.temporaryDirectory("engine")
        // Through the shell with output to a file: Foundation's Process was seen never to reap
        // this script (its engine, left running in namespaces of its own, outlives it).
        let answer = folder + "/started"
        let status = Integration.spawnAndWait(
            ["/bin/sh", "-c", "exec \"$0\" start \"$1\" $3 >\"$2\" 2>&1", Self.script, folder, answer, withoutRsync ? "--without-rsync" : ""])
        let started = (try? String(contentsOfFile: answer, encoding: .utf8)) ?? ""
        guard status == 0 else {
            Issue.record("the second engine did not start: \(started)")
            throw IntegrationError.missing("a second engine")
        }
        let words = started.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        address = words[0]
        key = words[1]
        _ = try Integration.check([Self.script, "load", folder, "cilo-test/busybox"])
    }

    /// `CILO_SSH` for it: the engine's key, no host-key prompts.
    var ssh: String { "ssh -i \(key) -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" }

    /// Runs a shell command on the engine itself (to look at its Docker).
    func shell(_ command: String) throws -> String {
        try Integration.check(ssh.split(separator: " ").map(String.init) + ["root@\(address)", command])
    }

    func stop() {
        _ = Integration.spawnAndWait([Self.script, "stop", folder])
    }

    deinit {
        stop()
        Integration.removeTemporary(folder)
    }
}

@Suite("Engines over ssh", .serialized)
struct RemoteEngineTests {
    static let tools = EnvironmentTests.tools + ["ssh", "sshd", "rsync", "nsenter", "unshare"]

    /// Docker and the tools checked, a second engine started, a demo project, and `CILO_SSH` for the engine.
    private func begin(withoutRsync: Bool = false) throws -> (SecondEngine, DemoEnvironment, [String: String]) {
        try EnvironmentTests.requireDocker()
        try Integration.require(Self.tools)
        let engine = try SecondEngine(withoutRsync: withoutRsync)
        return (engine, try DemoEnvironment(), ["CILO_SSH": engine.ssh])
    }

    @Test("an environment on a second engine: made there from the synced source, listed here, run, exec, path, merge, prune, down, destroy; an engine that vanished",
          .enabled(if: Integration.canRun(needing: tools)))
    func remoteEnvironment() throws {
        let (engine, demo, variables) = try begin()
        defer { demo.tearDown() }
        try demo.addToConfig("exclude: [scratch]")
        try FileManager.default.createDirectory(atPath: demo.directory + "/scratch", withIntermediateDirectories: true)
        try "not synced\n".write(toFile: demo.directory + "/scratch/notes", atomically: true, encoding: .utf8)

        for step in [["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "base"]] {
            _ = try Integration.check(["git", "-C", demo.directory] + step)
        }

        let added = try demo.cilo(["engines", "add", "e2", "ssh://root@\(engine.address)", "--home", engine.folder + "/files/cilo"], environment: variables)
        #expect(added.status == 0, "\(added.err)")
        // The engine has no Swift: this build's runtime went beside the binary.
        let bin = engine.folder + "/files/cilo/bin/cilo"
        #expect(try engine.shell("ldd \(bin) | grep -c 'libswiftCore.so => not found' || true") == "1\n", "the engine lacks Swift's runtime")
        #expect(try engine.shell("LD_LIBRARY_PATH=\(engine.folder)/files/cilo/lib ldd \(bin) | grep -c 'not found' || true") == "0\n")
        let engines = try demo.cilo(["engines", "list", "--json"], environment: variables)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(engines.out.utf8)) as? [[String: Any]], "\(engines.err)")
        #expect(listed.map { $0["name"] as? String } == ["local", "e2"])
        #expect(listed.last?["reachable"] as? Bool == true)

        let up = try demo.cilo(["up", "r1", "--engine", "e2"], environment: variables)
        #expect(up.status == 0, "\(up.err)")
        #expect(try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)"]).isEmpty,
                "nothing of it runs on this machine")
        #expect(try engine.shell("docker ps -q --filter label=dev.cilo.env=r1 | wc -l").trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let run = try demo.cilo(["run", "sh", "r1", "-c", "wget -q -O - $CILO_BASE_URL; test -e scratch/notes || echo excluded; exit 7"], environment: variables)
        #expect(run.status == 7, "the exit status comes back: \(run.err)")
        #expect(run.out.contains("hello from r1") && run.out.contains("excluded"), "\(run.out)")
        let path = try demo.cilo(["path", "r1"], environment: variables)
        #expect(path.out.hasPrefix("e2:" + engine.folder + "/files/cilo/home/envs/\(demo.project)/r1"), "\(path.out)")
        #expect(try demo.cilo(["exec", "r1", "web", "--", "cat", "/www/index.html"], environment: variables).out == "hello from r1\n")
        #expect(try demo.cilo(["status", "r1"], environment: variables).out.contains("running"))
        let du = try demo.cilo(["du", "r1"], environment: variables)
        #expect(du.status == 0 && du.out.contains("envs/\(demo.project)/r1"), "measured there: \(du.out) \(du.err)")

        let second = try demo.cilo(["up", "r2", "--engine", "e2"], environment: variables)
        #expect(second.status == 0 && second.err.contains("source unchanged on engine e2"), "the second skips the sync: \(second.err)")
        try "fresh\n".write(toFile: demo.directory + "/added.txt", atomically: true, encoding: .utf8)
        let third = try demo.cilo(["run", "--engine", "e2", "cat", "r3", "added.txt"], environment: variables)
        #expect(third.status == 0 && third.out == "fresh\n" && third.err.contains("synced"), "a change is synced: \(third.err)")
        let once = try demo.cilo(["run", "--rm", "--engine", "e2", "sh", "t1", "-c", "cat added.txt; exit 3"], environment: variables)
        #expect(once.status == 3 && once.out == "fresh\n", "\(once.out) \(once.err)")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/remote/\(demo.project)/t1.json"), "--rm: forgotten here at once")
        #expect(try engine.shell("docker ps -aq --filter label=dev.cilo.env=t1 | wc -l").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // The agent's work comes back as a branch of this machine's source.
        #expect(try demo.cilo(["run", "sh", "r1", "-c", "echo from-e2 > merged.txt"], environment: variables).status == 0)
        let merge = try demo.cilo(["merge", "r1"], environment: variables)
        #expect(merge.status == 0 && merge.out.contains("fetched into this source as cilo/r1"), "\(merge.out) \(merge.err)")
        #expect(try Integration.check(["git", "-C", demo.directory, "show", "cilo/r1:merged.txt"]) == "from-e2\n")
        #expect(!FileManager.default.fileExists(atPath: demo.directory + "/merged.txt"), "the working tree is not touched")
        // --apply lands it in this working tree, with the same conflict rule as here.
        #expect(try demo.cilo(["run", "sh", "r1", "-c", "echo agent > applied.txt"], environment: variables).status == 0)
        try "mine\n".write(toFile: demo.directory + "/applied.txt", atomically: true, encoding: .utf8)
        Integration.expectOneLineError(try demo.cilo(["merge", "r1", "--apply"], environment: variables), mentioning: ["applied.txt", "nothing was written"])
        #expect(!FileManager.default.fileExists(atPath: demo.directory + "/merged.txt"), "a conflict writes nothing")
        try FileManager.default.removeItem(atPath: demo.directory + "/applied.txt")
        let applied = try demo.cilo(["merge", "r1", "--apply"], environment: variables)
        #expect(applied.status == 0 && applied.out.contains("applied 2 changed paths"), "\(applied.out) \(applied.err)")
        #expect(try String(contentsOfFile: demo.directory + "/merged.txt", encoding: .utf8) == "from-e2\n")
        #expect(try String(contentsOfFile: demo.directory + "/applied.txt", encoding: .utf8) == "agent\n")
        #expect(try Integration.check(["git", "-C", demo.directory, "for-each-ref", "refs/cilo-apply"]).isEmpty, "cilo's ref is gone")
        try FileManager.default.removeItem(atPath: demo.directory + "/merged.txt")
        try FileManager.default.removeItem(atPath: demo.directory + "/applied.txt")

        #expect(try demo.cilo(["up", "l1"], environment: variables).status == 0)
        let list = try demo.cilo(["list", "--json"], environment: variables)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]], "\(list.err)")
        #expect(Set(entries.map { "\($0["engine"] ?? "")/\($0["name"] ?? "")/\($0["status"] ?? "")" })
            == ["local/l1/running", "e2/r1/running", "e2/r2/running", "e2/r3/running"])

        let stats = try demo.cilo(["stats"], environment: variables)
        #expect(stats.status == 0 && stats.out.contains("e2:\(demo.project)/r1") && stats.out.contains("\(demo.project)/l1"), "\(stats.out) \(stats.err)")
        let doctor = try demo.cilo(["doctor"], environment: variables)
        #expect(doctor.out.contains("answers over ssh") && doctor.out.contains("e2: "), "every engine's doctor: \(doctor.out)")

        // auto: this machine's plan says one environment of the project, and l1 runs: e2 has the room.
        try FileManager.default.createDirectory(atPath: demo.home + "/plans", withIntermediateDirectories: true)
        try #"{"fits": 1, "binding": "memory", "containersPerEnvironment": 3, "measuredAt": "2026-11-30T00:00:00Z"}"#
            .write(toFile: demo.home + "/plans/\(demo.project).json", atomically: true, encoding: .utf8)
        let auto = try demo.cilo(["up", "a1", "--engine", "auto"], environment: variables)
        #expect(auto.status == 0 && auto.err.contains("a1 goes to engine e2"), "\(auto.err)")
        #expect(try engine.shell("docker ps -q --filter label=dev.cilo.env=a1 | wc -l").trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        #expect(try demo.cilo(["destroy", "a1", "--force"], environment: variables).status == 0)

        let held = try demo.cilo(["engines", "remove", "e2"], environment: variables)
        #expect(held.status == 75 && held.err.contains("holds"), "\(held.err)")
        #expect(try demo.cilo(["down", "r2"], environment: variables).status == 0)
        // prune covers the engines: r2 is stopped there.
        let wouldPrune = try demo.cilo(["prune", "--stopped", "--dry-run"], environment: variables)
        #expect(wouldPrune.status == 0 && wouldPrune.out.contains("would remove e2:\(demo.project)/r2 (stopped"), "\(wouldPrune.out) \(wouldPrune.err)")
        #expect(!wouldPrune.out.contains("/r1") && !wouldPrune.out.contains("/l1"), "running ones stay: \(wouldPrune.out)")
        let pruned = try demo.cilo(["prune", "--stopped"], environment: variables)
        #expect(pruned.status == 0 && pruned.out.contains("removed e2:\(demo.project)/r2 (stopped"), "\(pruned.out) \(pruned.err)")
        #expect(try engine.shell("docker ps -aq --filter label=dev.cilo.env=r2 | wc -l").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(!(try demo.cilo(["list"], environment: variables).out.contains("r2")), "forgotten here too")
        let destroyed = try demo.cilo(["destroy", "r3", "--force"], environment: variables)
        #expect(destroyed.status == 0 && destroyed.out.contains("destroyed \(demo.project)/r3 on engine e2"), "\(destroyed.err)")
        #expect(try engine.shell("docker ps -aq --filter label=dev.cilo.env=r3 | wc -l").trimmingCharacters(in: .whitespacesAndNewlines) == "0")

        // The engine vanishes while it holds r1.
        engine.stop()
        let gone = try demo.cilo(["list"], environment: variables)
        #expect(gone.status == 0 && gone.out.contains("unreachable") && gone.out.contains("l1"), "the others still show: \(gone.out) \(gone.err)")
        #expect(gone.err.contains("engine e2") && gone.err.split(separator: "\n").count == 1, "one line of warning: \(gone.err)")
        let sick = try demo.cilo(["doctor"], environment: variables)
        #expect(sick.status != 0 && sick.out.contains("engine e2: reaching it failed"), "\(sick.out)")
        let forced = try demo.cilo(["destroy", "r1", "--force"], environment: variables)
        #expect(forced.status == 0 && forced.out.contains("may remain there"), "\(forced.out) \(forced.err)")
        #expect(try demo.cilo(["engines", "remove", "e2"], environment: variables).status == 0)
    }

    @Test("a command run on an engine stops when its cilo is told to: SIGTERM, SIGINT and SIGHUP, python and bash, none left running there",
          .enabled(if: Integration.canRun(needing: tools + ["python3"])))
    func remoteCommandStops() throws {
        let (engine, demo, variables) = try begin()
        defer { demo.tearDown() }
        let added = try demo.cilo(["engines", "add", "e2", "ssh://root@\(engine.address)", "--home", engine.folder + "/files/cilo"], environment: variables)
        #expect(added.status == 0, "\(added.err)")
        #expect(try demo.cilo(["create", "s1", "--engine", "e2"], environment: variables).status == 0)
        let masks = try demo.cilo(["run", "--no-up", "sh", "s1", "-c", "grep ^SigBlk /proc/self/status"], environment: variables)
        #expect(masks.out.contains("SigBlk:\t0000000000000000"), "\(masks.out)\(masks.err)")
        // The engine shares this machine's process table: the command writes its pid in its
        // workspace there, and the test asks the engine whether that process lives.
        let workspace = engine.folder + "/files/cilo/home/envs/\(demo.project)/s1"
        let script = """
            import os, signal, subprocess, sys, time
            pidfile, number = sys.argv[1], int(sys.argv[2])
            child = subprocess.Popen(sys.argv[4:], env=dict(os.environ, **dict(v.split("=", 1) for v in sys.argv[3].split("\\n") if v)),
                                     start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            shell = os.environ["ENGINE_SHELL"].split()
            def remote():
                answer = subprocess.run(shell + ["test -s %s && kill -0 $(cat %s) 2>/dev/null && echo alive || true" % (pidfile, pidfile)],
                                        capture_output=True).stdout
                return b"alive" in answer
            deadline = time.time() + 60
            while not remote() and time.time() < deadline: time.sleep(0.2)
            started = remote()
            if number == signal.SIGINT: os.killpg(child.pid, number)
            else: os.kill(child.pid, number)
            child.wait(timeout=30)
            gone = time.time() + 20
            while remote() and time.time() < gone: time.sleep(0.2)
            print(started, remote())
            """
        let engineShell = engine.ssh + " root@\(engine.address)"
        let commands = [
            ["python3", "s1", "-c", "import os, time\nopen('PIDFILE', 'w').write(str(os.getpid()))\nfor _ in range(1200): time.sleep(0.1)"],
            ["bash", "s1", "-c", "echo $$ > PIDFILE; for i in $(seq 1 1200); do sleep 0.1; done"],
        ]
        for command in commands {
            for signal in [15, 2, 1] {
                let pidfile = "pid-\(UUID().uuidString.prefix(8))"
                let arguments = [Integration.ciloExecutable, "run", "--no-up"] + command.map { $0.replacingOccurrences(of: "PIDFILE", with: pidfile) }
                let settings = (variables.merging(["CILO_HOME": demo.home]) { $1 }).map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
                let result = try Integration.run(["python3", "-c", script, workspace + "/" + pidfile, "\(signal)", settings] + arguments,
                                                 environment: ["ENGINE_SHELL": engineShell], directory: demo.directory)
                #expect(result.out.trimmingCharacters(in: .whitespacesAndNewlines) == "True False",
                        "\(command[0]) signal \(signal): it ran there, and is gone after: \(result.out)\(result.err)")
            }
        }
        #expect(try demo.cilo(["destroy", "s1", "--force"], environment: variables).status == 0)
    }

    @Test("an engine without rsync: cilo's own sync, incremental, deleting what went, every kind of entry and name",
          .enabled(if: Integration.canRun(needing: tools)))
    func withoutRsync() throws {
        let (engine, demo, variables) = try begin(withoutRsync: true)
        defer { demo.tearDown() }
        #expect(try engine.shell("rsync --version >/dev/null 2>&1 && echo runs || echo none") == "none\n", "the engine has no rsync")
        try demo.addToConfig("exclude: [scratch]")
        let odd = "sp ace\nline\u{FFFD}"
        try FileManager.default.createDirectory(atPath: demo.directory + "/scratch", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: demo.directory + "/tree/deep", withIntermediateDirectories: true)
        try "left out\n".write(toFile: demo.directory + "/scratch/notes", atomically: true, encoding: .utf8)
        try "one\n".write(toFile: demo.directory + "/tree/deep/one.txt", atomically: true, encoding: .utf8)
        try "gone soon\n".write(toFile: demo.directory + "/tree/old.txt", atomically: true, encoding: .utf8)
        try "odd\n".write(toFile: demo.directory + "/tree/" + odd, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: demo.directory + "/tree/link", withDestinationPath: "deep/one.txt")
        _ = try Integration.check(["chmod", "750", demo.directory + "/tree/deep"])

        let added = try demo.cilo(["engines", "add", "e2", "ssh://root@\(engine.address)", "--home", engine.folder + "/files/cilo"], environment: variables)
        #expect(added.status == 0, "no rsync needed: \(added.err)")
        let first = try demo.cilo(["run", "--engine", "e2", "sh", "w1", "-c", "cat tree/link tree/old.txt tree/sp*; test -e scratch || echo excluded; stat -c %a tree/deep"],
                                  environment: variables)
        #expect(first.status == 0 && first.out == "one\ngone soon\nodd\nexcluded\n750\n", "\(first.out) \(first.err)")
        #expect(first.err.contains("synced"), "\(first.err)")
        let sources = "\(engine.folder)/files/cilo/sources/\(demo.project)"
        let unchangedInode = try engine.shell("stat -c %i \(sources)/tree/sp*")

        // Changes of every kind; the second sync sends only what changed and deletes what went.
        try FileManager.default.removeItem(atPath: demo.directory + "/tree/old.txt")
        try "two\n".write(toFile: demo.directory + "/tree/deep/one.txt", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: demo.directory + "/tree/link")
        try FileManager.default.createDirectory(atPath: demo.directory + "/tree/link", withIntermediateDirectories: true)
        try "new\n".write(toFile: demo.directory + "/tree/link/inside", atomically: true, encoding: .utf8)
        _ = try Integration.check(["chmod", "700", demo.directory + "/tree/deep"])
        let second = try demo.cilo(["run", "--engine", "e2", "sh", "w2", "-c", "cat tree/deep/one.txt tree/link/inside; test -e tree/old.txt || echo deleted; stat -c %a tree/deep"],
                                   environment: variables)
        #expect(second.status == 0 && second.out == "two\nnew\ndeleted\n700\n", "\(second.out) \(second.err)")
        #expect(try engine.shell("stat -c %i \(sources)/tree/sp*") == unchangedInode, "an unchanged file is not sent again")
        let synced = try engine.shell("cd \(sources) && find tree -print0 | tr '\\0' '|'")
        #expect(Set(synced.split(separator: "|").map(String.init))
            == ["tree", "tree/deep", "tree/deep/one.txt", "tree/link", "tree/link/inside", "tree/" + odd], "\(synced)")
        #expect(try demo.cilo(["destroy", "w1", "w2", "--force"], environment: variables).status == 0)
        #expect(try demo.cilo(["engines", "remove", "e2"], environment: variables).status == 0)
    }

    @Test("bad input: an unreachable host, a refused key, a bad address or name, an unknown engine: one line naming the engine and the cause, nothing made",
          .enabled(if: Integration.canRun(needing: tools)))
    func badInput() throws {
        let (engine, demo, variables) = try begin()
        defer { demo.tearDown() }
        let closed = try demo.cilo(["engines", "add", "e2", "ssh://root@\(engine.address):2"], environment: variables)
        Integration.expectOneLineError(closed, mentioning: ["engine e2", "unreachable"])
        let otherKey = engine.folder + "/other"
        _ = try Integration.check(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey])
        let wrongKey = try demo.cilo(["engines", "add", "e2", "ssh://root@\(engine.address)"],
                                     environment: ["CILO_SSH": engine.ssh.replacingOccurrences(of: engine.key, with: otherKey)])
        Integration.expectOneLineError(wrongKey, mentioning: ["engine e2", "refused the key"])
        Integration.expectOneLineError(try demo.cilo(["engines", "add", "local", "ssh://h"]), mentioning: ["engine name 'local'"])
        Integration.expectOneLineError(try demo.cilo(["engines", "add", "e3", "http://h"]), mentioning: ["'http://h' is not ssh://"])
        Integration.expectOneLineError(try demo.cilo(["up", "x", "--engine", "nope"]), mentioning: ["no engine 'nope'"])
        #expect(try demo.cilo(["engines", "list", "--json"]).out.contains("\"e2\"") == false, "nothing was added")
        // auto with no room anywhere: exit 75 at once, or after --wait.
        try FileManager.default.createDirectory(atPath: demo.home + "/plans", withIntermediateDirectories: true)
        try #"{"fits": 0, "binding": "memory", "containersPerEnvironment": 3, "measuredAt": "2026-11-30T00:00:00Z"}"#
            .write(toFile: demo.home + "/plans/\(demo.project).json", atomically: true, encoding: .utf8)
        let full = try demo.cilo(["up", "w1", "--engine", "auto"])
        #expect(full.status == 75 && full.err.contains("no engine has room for 'w1'") && full.err.contains("local:"), "\(full.err)")
        let waited = try demo.cilo(["up", "w1", "--engine", "auto", "--wait", "2"])
        #expect(waited.status == 75 && waited.err.contains("waiting for room") && waited.err.contains("waited 2 s"), "\(waited.err)")
        #expect(try demo.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/remote"), "no placement was written")
        // max_environments holds for auto too: one runs here, one is the project's limit.
        try FileManager.default.removeItem(atPath: demo.home + "/plans/\(demo.project).json")
        try demo.addToConfig("max_environments: 1")
        #expect(try demo.cilo(["up", "l1"]).status == 0)
        let capped = try demo.cilo(["up", "w2", "--engine", "auto"])
        #expect(capped.status == 75 && capped.err.contains("no engine has room for 'w2'"), "\(capped.err)")
    }
}
