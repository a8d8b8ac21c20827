import Foundation
import Testing

/// Overlay workspaces on a shared base, on the real kernel: what the agent sees, what it costs,
/// and what survives an unmount, a changed project and a base deleted by hand.
@Suite("Overlay workspaces", .serialized)
struct OverlayTests {
    static let tools = ["findmnt", "git", "python3", "setpriv"]

    /// Fails (never skips) under CI when this machine cannot run the suite as it should.
    private func requireRoot() throws {
        try Integration.require(Self.tools)
        if Integration.isCI && !Integration.isRoot { Issue.record("overlay tests need root under CI") }
    }

    private func sh(_ script: String, in directory: String) throws {
        let result = try Integration.run(["sh", "-c", script], directory: directory)
        guard result.status == 0 else { throw IntegrationError.commandFailed("\(script): \(result.err)") }
    }

    private func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// How many mounts are at `path` now.
    private func mounts(at path: String) throws -> Int {
        try Integration.run(["findmnt", "-rn", "-o", "TARGET"]).out.split(separator: "\n").filter { $0 == path }.count
    }

    @Test("two environments share one base; each writes only its own upper folder; renames, hard links, locks and git work",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func sharedBaseBehavesLikeAFolder() throws {
        try requireRoot()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        try sh("mkdir -p lib/deep && echo one > lib/deep/a.txt && echo two > lib/b.txt && ln lib/b.txt lib/b-link.txt", in: demo.directory)
        let first = json(try demo.cilo(["create", "a", "--json"]).out)
        let second = json(try demo.cilo(["create", "b", "--json"]).out)
        #expect(first["cloneStrategy"] as? String == "overlay", "\(first)")
        #expect(second["cloneStrategy"] as? String == "overlay")
        #expect(first["cloneSeconds"] as? Double != nil)
        let base = try #require(first["overlayBase"] as? String)
        #expect(second["overlayBase"] as? String == base, "the second environment reuses the first one's base")
        let a = demo.home + "/envs/\(demo.project)/a", b = demo.home + "/envs/\(demo.project)/b"
        #expect(try mounts(at: a) == 1)

        try sh("""
            echo changed >> lib/b.txt && echo new > new.txt && rm lib/deep/a.txt && mv lib lib-renamed \
            && ln new.txt new-link.txt && test "$(stat -c %h new.txt)" = 2 \
            && python3 -c "import fcntl; f=open('new.txt','a'); fcntl.flock(f, fcntl.LOCK_EX); fcntl.lockf(f, fcntl.LOCK_EX)" \
            && git init -q repo && cd repo && echo x > x && git add x && git -c user.email=t@t -c user.name=t commit -qm x \
            && git mv x y && git -c user.email=t@t -c user.name=t commit -qm y && test -z "$(git status --porcelain)"
            """, in: a)
        let untouched = try String(contentsOfFile: b + "/lib/b.txt", encoding: .utf8)
        #expect(untouched == "two\n", "the other environment still sees the project")
        #expect(FileManager.default.fileExists(atPath: b + "/lib/deep/a.txt"))
        #expect(try String(contentsOfFile: demo.directory + "/lib/b.txt", encoding: .utf8) == "two\n", "the source is untouched")
        let tree = demo.home + "/bases/\(demo.project)/\(base)/tree"
        #expect(try String(contentsOfFile: tree + "/lib/b.txt", encoding: .utf8) == "two\n", "the base is untouched")
        #expect(FileManager.default.fileExists(atPath: tree + "/lib/deep/a.txt"))

        // diff reads the upper folder: exactly what the agent did.
        let names = try demo.cilo(["diff", "a", "--name-only"]).out.split(separator: "\n").map(String.init)
        for expected in ["lib/b.txt", "lib/b-link.txt", "lib/deep/a.txt", "lib-renamed/b.txt", "lib-renamed/b-link.txt", "new.txt", "new-link.txt", "repo/y"] {
            #expect(names.contains(expected), "diff names \(expected): \(names)")
        }
        #expect(!names.contains { $0.hasPrefix("docker-compose") || $0.hasPrefix("web/") }, "nothing untouched is named: \(names)")
        #expect(try demo.cilo(["diff", "b", "--name-only"]).out.isEmpty, "b changed nothing")

        // du reads the upper folder: a few KiB, not the project.
        let usage = try JSONSerialization.jsonObject(with: Data(try demo.cilo(["du", "b", "--json"]).out.utf8)) as? [[String: Any]]
        let exclusive = try #require(usage?.first?["exclusiveBytes"] as? Int)
        #expect(exclusive < 1 << 20, "an untouched overlay workspace costs < 1 MiB: \(exclusive)")

        #expect(try demo.cilo(["destroy", "a", "--force"]).status == 0)
        #expect(try mounts(at: a) == 0)
        #expect(!FileManager.default.fileExists(atPath: a))
        #expect(FileManager.default.fileExists(atPath: tree), "b still uses the base")
        #expect(try demo.cilo(["destroy", "b", "--force"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/bases/\(demo.project)/\(base)"), "the base goes with its last environment")
    }

    @Test("a changed project gets a new base; the old one stays while used; an unmounted workspace is mounted again, once, with its writes",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func neverStaleAndSurvivesUnmount() throws {
        try requireRoot()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let first = json(try demo.cilo(["create", "a", "--json"]).out)
        try sh("echo edited >> README.md", in: demo.directory)
        let second = json(try demo.cilo(["create", "b", "--json"]).out)
        let oldBase = try #require(first["overlayBase"] as? String), newBase = try #require(second["overlayBase"] as? String)
        #expect(oldBase != newBase, "an edited project is never served from the old base")
        let a = demo.home + "/envs/\(demo.project)/a", b = demo.home + "/envs/\(demo.project)/b"
        #expect(try String(contentsOfFile: b + "/README.md", encoding: .utf8).hasSuffix("edited\n"))
        #expect(try !String(contentsOfFile: a + "/README.md", encoding: .utf8).hasSuffix("edited\n"))
        // A touch of a file's status (chmod) is a change too: its change time moved.
        try sh("chmod +x README.md", in: demo.directory)
        let third = json(try demo.cilo(["create", "c", "--json"]).out)
        #expect(third["overlayBase"] as? String != newBase)

        try sh("echo mine > agent.txt", in: a)
        #expect(try Integration.run(["umount", a]).status == 0, "as a restart would")
        #expect(!FileManager.default.fileExists(atPath: a + "/agent.txt"))
        let doctor = try demo.cilo(["doctor"])
        #expect(doctor.out.contains("not mounted"), "\(doctor.out)")
        let run = try demo.cilo(["run", "--no-up", "cat", "a", "agent.txt"])
        #expect(run.status == 0 && run.out == "mine\n", "run mounts it again: \(run)")
        #expect(try demo.cilo(["run", "--no-up", "true", "a"]).status == 0)
        #expect(try mounts(at: a) == 1, "never mounted twice")
        try Integration.run(["umount", a])
        let fixed = try demo.cilo(["doctor", "--fix"])
        #expect(fixed.out.contains("fixed"), "\(fixed.out)")
        #expect(try mounts(at: a) == 1)
        #expect(try String(contentsOfFile: a + "/agent.txt", encoding: .utf8) == "mine\n")

        // destroy --keep-workspace leaves a folder of its own, not a mount of a base that goes.
        #expect(try demo.cilo(["destroy", "a", "--force", "--keep-workspace"]).status == 0)
        #expect(try mounts(at: a) == 0)
        #expect(try String(contentsOfFile: a + "/agent.txt", encoding: .utf8) == "mine\n")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/bases/\(demo.project)/\(oldBase)"))
    }

    @Test("a container writes through the workspace's bind mount; a watcher sees writes made in the workspace",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools + tools) && Integration.isRoot))
    func containersAndWatchersSeeIt() throws {
        try requireRoot()
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment(composeOverride: """
            services:
              writer:
                image: cilo-test/busybox
                command: ["sh", "-c", "echo from-container > /work/out.txt && sleep 3600"]
                volumes: ["./:/work"]
            """)
        defer { demo.tearDown() }
        let up = try demo.cilo(["up", "w"])
        #expect(up.status == 0, "\(up.err)")
        let workspace = demo.home + "/envs/\(demo.project)/w"
        var text = ""
        for _ in 0..<50 where text.isEmpty {
            text = (try? String(contentsOfFile: workspace + "/out.txt", encoding: .utf8)) ?? ""
            if text.isEmpty { usleep(100_000) }
        }
        #expect(text == "from-container\n")
        #expect(FileManager.default.fileExists(atPath: demo.home + "/layers/\(demo.project)/w/upper/out.txt"), "it landed in the upper folder")
        #expect(!FileManager.default.fileExists(atPath: demo.directory + "/out.txt"))

        // inotify on the workspace: a file made there is an event (bounded: 5 s).
        let watcher = """
            import ctypes, os, select, sys, struct
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(0)
            assert libc.inotify_add_watch(fd, sys.argv[1].encode(), 0x100) >= 0
            open(os.path.join(sys.argv[1], "made.txt"), "w").write("x")
            ready, _, _ = select.select([fd], [], [], 5)
            data = os.read(fd, 4096) if ready else b""
            print("event" if b"made.txt" in data else "none")
            """
        #expect(try Integration.run(["python3", "-c", watcher, workspace]).out == "event\n")
    }

    @Test("without the right to mount, auto clones and says why; --strategy overlay fails naming it; a home on overlayfs is refused",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func refusedWithReasons() throws {
        try requireRoot()
        let root = try Integration.temporaryDirectory("overlay-refused")
        defer { Integration.removeTemporary(root) }
        try sh("""
            mkdir -p project/.cilo home && echo 'project: refused' > project/.cilo/config.yml && echo hi > project/a.txt \
            && printf 'services:\\n  w:\\n    image: cilo-test/busybox\\n' > project/docker-compose.yml \
            && chown -R 65534:65534 home && chmod 755 . project
            """, in: root)
        let asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Integration.ciloExecutable]
        let variables = ["CILO_HOME": root + "/home", "HOME": root + "/home"]
        let auto = try Integration.run(asNobody + ["create", "a", "--verbose", "--json"], environment: variables, directory: root + "/project")
        #expect(auto.status == 0, "\(auto.err)")
        #expect(auto.err.contains("CAP_SYS_ADMIN"), "says why under --verbose: \(auto.err)")
        #expect(json(auto.out)["cloneStrategy"] as? String != "overlay")
        let explicit = try Integration.run(asNobody + ["create", "b", "--strategy", "overlay"], environment: variables, directory: root + "/project")
        Integration.expectOneLineError(explicit, mentioning: ["overlay", "CAP_SYS_ADMIN"])
        #expect(!FileManager.default.fileExists(atPath: root + "/home/envs/refused/b"), "nothing half-made")
        let doctor = try Integration.run(asNobody + ["doctor"], environment: variables, directory: root + "/project")
        #expect(doctor.out.contains("overlay workspaces unavailable"), "\(doctor.out)")

        // A home inside an overlay mount: overlayfs cannot use it as upper.
        try sh("mkdir -p l u w m && mount -t overlay overlay -o lowerdir=\(root)/l,upperdir=\(root)/u,workdir=\(root)/w \(root)/m", in: root)
        let onOverlay = try Integration.run(
            [Integration.ciloExecutable, "create", "c", "--strategy", "overlay"], environment: ["CILO_HOME": root + "/m/home"],
            directory: root + "/project")
        Integration.expectOneLineError(onOverlay, mentioning: ["overlay", "cannot use as upper"])
    }

    @Test("a base deleted by hand: up fails naming it, doctor --fix makes it again and keeps the agent's writes",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func baseDeletedByHand() throws {
        try requireRoot()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let created = json(try demo.cilo(["create", "a", "--json"]).out)
        let base = try #require(created["overlayBase"] as? String)
        let workspace = demo.home + "/envs/\(demo.project)/a"
        try sh("echo mine > agent.txt", in: workspace)
        try FileManager.default.removeItem(atPath: demo.home + "/bases/\(demo.project)/\(base)")
        Integration.expectOneLineError(try demo.cilo(["run", "--no-up", "true", "a"]), mentioning: ["base", "gone", "doctor --fix"])
        let fixed = try demo.cilo(["doctor", "--fix"])
        #expect(fixed.out.contains("fixed"), "\(fixed.out)")
        let run = try demo.cilo(["run", "--no-up", "cat", "a", "agent.txt", "README.md"])
        #expect(run.status == 0 && run.out.hasPrefix("mine\n"), "\(run)")
        #expect(try mounts(at: workspace) == 1)
    }

    @Test("git diff of an overlay looks only at what the upper folder names, and misses nothing: the source's uncommitted work, a file made and removed between diffs, renamed folders",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func gitDiffFromTheUpperFolder() throws {
        try requireRoot()
        let root = try Integration.temporaryDirectory("overlay-git")
        defer { Integration.removeTemporary(root) }
        let source = root + "/source"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try sh("""
            mkdir -p .cilo lib/deep && echo 'project: ovgit' > .cilo/config.yml
            printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml
            echo one > lib/deep/a.txt && echo two > lib/b.txt && echo '*.log' > .gitignore && echo keep > stable.txt
            git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm base
            echo uncommitted >> stable.txt && echo untracked > loose.txt
            """, in: source)
        let environment = ["CILO_HOME": root + "/home"]
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: source)
        }
        #expect(json(try cilo(["create", "g", "--json"]).out)["cloneStrategy"] as? String == "overlay")
        let workspace = root + "/home/envs/ovgit/g"
        func names() throws -> [String] { try cilo(["diff", "g", "--name-only"]).out.split(separator: "\n").map(String.init).sorted() }
        #expect(try names() == ["loose.txt", "stable.txt"], "the source's uncommitted work is in the workspace, as with a clone")
        try sh("echo changed >> lib/b.txt && echo brief > brief.txt && echo noise > debug.log", in: workspace)
        #expect(try names() == ["brief.txt", "lib/b.txt", "loose.txt", "stable.txt"])
        try sh("rm brief.txt && mv lib moved", in: workspace)
        // git names a file moved unchanged by its new name only (rename detection); the changed one as removed and added.
        #expect(try names() == ["lib/b.txt", "loose.txt", "moved/b.txt", "moved/deep/a.txt", "stable.txt"],
                "a file made and removed between diffs is gone again; a moved folder is seen whole")
    }

    @Test("a base an overlay still mounts is kept when its record is lost, in a home whose path holds a space and a comma",
          .enabled(if: Integration.canRun(needing: tools) && Integration.isRoot))
    func mountedBaseIsKept() throws {
        try requireRoot()
        let root = try Integration.temporaryDirectory("overlay-kept")
        defer { Integration.removeTemporary(root) }
        let source = root + "/source"
        try FileManager.default.createDirectory(atPath: source + "/.cilo", withIntermediateDirectories: true)
        try sh("echo 'project: kept' > .cilo/config.yml && printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml",
               in: source)
        let home = root + "/a home, odd/h"
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: ["CILO_HOME": home], directory: source)
        }
        let first = json(try cilo(["create", "lost", "--json"]).out)
        let base = try #require(first["overlayBase"] as? String)
        try FileManager.default.removeItem(atPath: home + "/state/kept/lost.json")
        try sh("echo changed > README.md", in: source)
        #expect(try cilo(["create", "next", "--json"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: home + "/bases/kept/\(base)/tree"), "the lost record's overlay still shows its base")
        #expect(FileManager.default.fileExists(atPath: home + "/envs/kept/lost/docker-compose.yml"))
    }
}
