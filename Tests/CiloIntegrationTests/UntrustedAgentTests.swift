#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The agent is untrusted at every step: reviewing its work runs none of its code, its
/// command's signals are its own, and the sandbox keeps the operator's terminal and files.
/// Each vector leaves a marker file if it ran; none may appear.
@Suite("The agent is untrusted at every step", .serialized)
struct UntrustedAgentTests {
    static let tools = ["git", "python3"]

    private func sh(_ script: String, in directory: String) throws {
        let result = try Integration.run(["sh", "-c", script], directory: directory)
        guard result.status == 0 else { throw IntegrationError.commandFailed("\(script): \(result.err)") }
    }

    /// A git project without services to start, and its home.
    private func makeProject(_ root: String) throws -> (project: String, cilo: ([String]) throws -> (status: Int32, out: String, err: String)) {
        let project = root + "/source"
        try FileManager.default.createDirectory(atPath: project + "/src", withIntermediateDirectories: true)
        try sh("""
            mkdir -p .cilo && echo 'project: untrusted' > .cilo/config.yml
            printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml
            echo hello > src/a.txt && echo keep > README
            git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm base
            """, in: project)
        let environment = ["CILO_HOME": root + "/home"]
        return (project, { arguments in try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: project) })
    }

    /// Every way a repository's own configuration runs a program, pointed at `markers`.
    private func hostileGitSetup(markers: String) -> String {
        """
        git config core.fsmonitor 'touch \(markers)/fsmonitor; false'
        git config filter.x.clean 'touch \(markers)/clean; cat'
        git config filter.x.smudge 'touch \(markers)/smudge; cat'
        git config filter.x.process 'touch \(markers)/process'
        git config diff.x.textconv 'touch \(markers)/textconv; cat'
        git config merge.x.driver 'touch \(markers)/merge-driver; false'
        git config core.pager 'touch \(markers)/pager; cat'
        git config core.sshCommand 'touch \(markers)/ssh'
        mkdir -p .hooks
        for hook in post-index-change post-checkout pre-commit post-commit reference-transaction pre-auto-gc post-merge; do
            printf '#!/bin/sh\\ntouch \(markers)/hook-%s\\n' "$hook" > .hooks/$hook; chmod +x .hooks/$hook
        done
        git config core.hooksPath "$PWD/.hooks"
        printf '[core]\\n\\tfsmonitor = touch \(markers)/included; false\\n' > .included
        git config include.path "$PWD/.included"
        printf '* filter=x diff=x merge=x\\n' > .gitattributes
        echo changed >> src/a.txt
        git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c user.email=a@a -c user.name=a commit -qam agent --no-verify
        echo uncommitted >> src/a.txt && echo new > src/new.txt
        """
    }

    private func clear(_ folder: String) {
        for name in ran(in: folder) { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
    }

    /// An empty folder for the markers a vector leaves when it runs.
    private func markerFolder(_ root: String) throws -> String {
        try FileManager.default.createDirectory(atPath: root + "/markers", withIntermediateDirectories: true)
        return root + "/markers"
    }

    private func ran(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test("diff, merge and merge --apply run none of the workspace's hooks, fsmonitor, filters, textconv, pager or includes",
          .enabled(if: Integration.canRun(needing: tools)))
    func reviewRunsNoAgentCode() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("untrusted-git")
        defer { Integration.removeTemporary(root) }
        let (project, cilo) = try makeProject(root)
        let markers = try markerFolder(root)
        #expect(try cilo(["create", "a1"]).status == 0)
        let workspace = root + "/home/envs/untrusted/a1"
        try sh(hostileGitSetup(markers: markers), in: workspace)
        clear(markers)  // the agent's own git ran its own filters: its business

        let diff = try cilo(["diff", "a1"])
        #expect(diff.status == 0, "\(diff.err)")
        #expect(diff.out.contains("+uncommitted") && diff.out.contains("src/new.txt"), "the diff shows the bytes: \(diff.out)")
        #expect(diff.err.contains("core.fsmonitor") && diff.err.contains("filter.x.clean") && diff.err.contains("runs none of it"), "\(diff.err)")
        for format in ["--stat", "--name-only"] { #expect(try cilo(["diff", "a1", format]).status == 0) }
        let merge = try cilo(["merge", "a1"])
        #expect(merge.status == 0, "\(merge.err)")
        #expect(try Integration.check(["git", "-C", project, "show", "cilo/a1:src/a.txt"]) == "hello\nchanged\nuncommitted\n")
        let apply = try cilo(["merge", "a1", "--apply"])
        #expect(apply.status == 0, "\(apply.err)")
        #expect(try String(contentsOfFile: project + "/src/a.txt", encoding: .utf8) == "hello\nchanged\nuncommitted\n")
        #expect(ran(in: markers).isEmpty, "the agent's git configuration ran: \(ran(in: markers))")

        // Again with the workspace's .git a file naming a folder elsewhere (a linked worktree's shape).
        try sh("mv .git ../a1-gitdir && echo 'gitdir: ../a1-gitdir' > .git && echo more >> src/a.txt", in: workspace)
        let moved = try cilo(["diff", "a1", "--name-only"])
        #expect(moved.status == 0 && moved.out.contains("src/a.txt"), "\(moved.out)\(moved.err)")
        #expect(ran(in: markers).isEmpty, "\(ran(in: markers))")
    }

    @Test("the same configuration set from inside the sandbox runs nothing on review either",
          .enabled(if: Integration.canRun(needing: tools)))
    func sandboxedAgentCannotPlantCode() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("untrusted-sandbox-git")
        defer { Integration.removeTemporary(root) }
        let (_, cilo) = try makeProject(root)
        let markers = try markerFolder(root)
        let planted = try cilo(["run", "--no-up", "--sandbox", "--sandbox-network", "none", "sh", "a1", "-c", hostileGitSetup(markers: markers)])
        #expect(planted.status == 0, "\(planted.err)")
        #expect(try cilo(["diff", "a1"]).status == 0)
        #expect(try cilo(["merge", "a1"]).status == 0)
        #expect(try cilo(["merge", "a1", "--apply"]).status == 0)
        #expect(ran(in: markers).isEmpty, "the agent's git configuration ran: \(ran(in: markers))")
    }

    @Test("a source without git: diff --no-index never reads a repository the agent made in the workspace",
          .enabled(if: Integration.canRun(needing: tools)))
    func manifestDiffRunsNoAgentCode() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("untrusted-nogit")
        defer { Integration.removeTemporary(root) }
        let project = root + "/source"
        try FileManager.default.createDirectory(atPath: project + "/.cilo", withIntermediateDirectories: true)
        try sh("echo 'project: nogit' > .cilo/config.yml && printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml && echo one > a.txt", in: project)
        let environment = ["CILO_HOME": root + "/home"]
        #expect(try Integration.run([Integration.ciloExecutable, "create", "n1"], environment: environment, directory: project).status == 0)
        let markers = try markerFolder(root)
        try sh("git init -q && " + hostileGitSetup(markers: markers).replacingOccurrences(of: "echo changed >> src/a.txt", with: "mkdir -p src && echo x > src/a.txt && git add -A"),
               in: root + "/home/envs/nogit/n1")
        clear(markers)
        let diff = try Integration.run([Integration.ciloExecutable, "diff", "n1"], environment: environment, directory: project)
        #expect(diff.status == 0, "\(diff.err)")
        #expect(ran(in: markers).isEmpty, "\(ran(in: markers))")
    }

    @Test("cilo run's command gets no blocked or ignored signal; SIGINT, SIGTERM and SIGHUP end python and bash commands, sandboxed or not",
          .enabled(if: Integration.canRun(needing: tools + ["bash"])))
    func signalsAreTheCommands() throws {
        try Integration.require(Self.tools + ["bash"])
        let root = try Integration.temporaryDirectory("untrusted-signals")
        defer { Integration.removeTemporary(root) }
        let (project, cilo) = try makeProject(root)
        #expect(try cilo(["create", "s1"]).status == 0)
        for sandbox in [[], ["--sandbox", "--sandbox-network", "none"], ["--rm"]] {
            let masks = try cilo(["run", "--no-up"] + sandbox + ["sh", "s1", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"])
            // Signals 32 and 33 are the C library's own (NPTL), which it refuses to reset; 1 to 31 must be at default.
            let ignored = masks.out.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
                .flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) }
            #expect(masks.out.contains("SigBlk:\t0000000000000000") && ignored.map { $0 & 0x7fff_ffff == 0 } == true,
                    "\(sandbox): \(masks.out)\(masks.err)")
            if sandbox == ["--rm"] { #expect(try cilo(["create", "s1"]).status == 0) }
        }
        let commands: [[String]] = [
            ["python3", "s1", "-c", "import time\nfor _ in range(600): time.sleep(0.1)"],
            // Whole seconds: bash exits on SIGINT only when its child died of it too, and a signal landing
            // just as a short sleep ended would let the loop go on (bash's cooperative exit, not cilo's doing).
            ["bash", "s1", "-c", "for i in $(seq 1 60); do sleep 1; done"],
        ]
        for sandbox in [[], ["--sandbox", "--sandbox-network", "none"]] {
            for command in commands {
                for (signal, number) in [("INT", Int32(2)), ("TERM", 15), ("HUP", 1)] {
                    let status = try runAndSignal([Integration.ciloExecutable, "run", "--no-up"] + sandbox + command, signal: number,
                                                  directory: project, home: root + "/home")
                    #expect(status == 128 + number, "\(sandbox) \(command[0]) SIG\(signal): ended with \(status)")
                }
            }
        }
    }

    /// Starts `arguments` in a session of its own, waits until its command runs (cilo's process
    /// became it, or has a child), sends `signal` and returns how it ended (128+N for a signal),
    /// bounded at 30 s.
    private func runAndSignal(_ arguments: [String], signal: Int32, directory: String, home: String) throws -> Int32 {
        let script = """
            import os, signal, subprocess, sys, time
            child = subprocess.Popen(sys.argv[3:], cwd=sys.argv[1], env=dict(os.environ, CILO_HOME=sys.argv[2]), start_new_session=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            def running_command():
                try: exe = os.readlink(f"/proc/{child.pid}/exe")
                except OSError: return False
                if not exe.endswith("/cilo"): return True
                for task in os.listdir("/proc"):
                    if task.isdigit():
                        try:
                            with open(f"/proc/{task}/stat") as f: fields = f.read().rsplit(")", 1)[1].split()
                        except OSError: continue
                        if int(fields[1]) == child.pid: return True
                return False
            while not running_command() and time.time() < deadline: time.sleep(0.05)
            time.sleep(0.3)
            # Ctrl-C reaches the terminal's whole foreground group; an orchestrator signals the process.
            if SIGNAL == signal.SIGINT: os.killpg(child.pid, SIGNAL)
            else: os.kill(child.pid, SIGNAL)
            try: code = child.wait(timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                child.kill(); child.wait(); print(-1); sys.exit()
            print(128 - code if code < 0 else code)
            """.replacingOccurrences(of: "SIGNAL", with: "\(signal)")
        let result = try Integration.run(["python3", "-c", script, directory, home] + arguments)
        return Int32(result.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -2
    }

    @Test("the sandboxed command cannot type into the operator's terminal, nor write through a descriptor the caller left open",
          .enabled(if: Integration.canRun(needing: tools)))
    func terminalAndDescriptorsStayTheOperators() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("untrusted-tty")
        defer { Integration.removeTemporary(root) }
        let (project, _) = try makeProject(root)
        let cilo = Integration.ciloExecutable
        // In a pseudo-terminal: TIOCSTI from the sandbox is refused; without it, it works (the test can fail).
        let script = """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.environ["CILO_HOME"] = sys.argv[2]
                os.chdir(sys.argv[1])
                args = [sys.argv[3], "run", "--no-up"] + sys.argv[4:] + ["python3", "t1", "-c",
                    "import fcntl, termios\\ntry:\\n fcntl.ioctl(0, termios.TIOCSTI, b'#')\\n print('TYPED')\\nexcept OSError as e:\\n print('REFUSED', e.errno)"]
                os.execv(args[0], args)
            out = b""
            while True:
                try: chunk = os.read(fd, 4096)
                except OSError: break
                if not chunk: break
                out += chunk
            os.waitpid(pid, 0)
            print(out.decode(errors="replace"))
            """
        #expect(try Integration.run([Integration.ciloExecutable, "create", "t1"], environment: ["CILO_HOME": root + "/home"], directory: project).status == 0)
        let open = try Integration.run(["python3", "-c", script, project, root + "/home", cilo])
        #expect(open.out.contains("TYPED"), "without the sandbox TIOCSTI works here, so the check below can fail: \(open.out)")
        let sandboxed = try Integration.run(["python3", "-c", script, project, root + "/home", cilo, "--sandbox", "--sandbox-network", "none"])
        #expect(sandboxed.out.contains("REFUSED 1") && !sandboxed.out.contains("TYPED"), "\(sandboxed.out)")

        // A descriptor open on the source's README: closed for the sandboxed command unless --keep-fds names it.
        let readme = project + "/README"
        let write = "echo planted >&8 && echo WROTE"
        let closed = try Integration.run(["bash", "-c", "exec 8>>\"$0\"; CILO_HOME=\"$1\" \"$2\" run --no-up --sandbox --sandbox-network none sh t1 -c \"$3\"",
                                          readme, root + "/home", cilo, write], directory: project)
        #expect(!closed.out.contains("WROTE") && closed.err.contains("Bad file descriptor"), "\(closed.out)\(closed.err)")
        #expect(try String(contentsOfFile: readme, encoding: .utf8) == "keep\n", "the source's README is untouched")
        let kept = try Integration.run(["bash", "-c", "exec 8>>\"$0\"; CILO_HOME=\"$1\" \"$2\" run --no-up --sandbox --sandbox-network none --keep-fds 8 sh t1 -c \"$3\"",
                                        readme, root + "/home", cilo, write], directory: project)
        #expect(kept.out.contains("WROTE"), "--keep-fds 8 keeps it: \(kept.out)\(kept.err)")
        Integration.expectOneLineError(
            try Integration.run([cilo, "run", "--no-up", "--sandbox", "--keep-fds", "97", "true", "t1"], environment: ["CILO_HOME": root + "/home"], directory: project),
            mentioning: ["--keep-fds 97", "not open"])
    }
}
