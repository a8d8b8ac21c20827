import Foundation
import Testing

/// `cilo diff` and `cilo merge` against git's own view of the same changes.
@Suite("The agent's work comes back", .serialized)
struct ChangesTests {
    static let tools = ["git"]

    private func sh(_ script: String, in directory: String) throws {
        let result = try Integration.run(["sh", "-c", script], directory: directory)
        guard result.status == 0 else { throw IntegrationError.commandFailed("\(script): \(result.err)") }
    }

    /// A git project of every kind of entry, committed.
    private func makeProject(_ root: String) throws -> String {
        let project = root + "/source"
        try FileManager.default.createDirectory(atPath: project + "/src/deep", withIntermediateDirectories: true)
        try sh("""
            mkdir -p .cilo && echo 'project: changes' > .cilo/config.yml
            printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml
            for i in $(seq 1 30); do echo "line $i" > src/file$i.txt; done
            echo deep > src/deep/nested.txt
            printf '#!/bin/sh\\necho hi\\n' > run.sh && chmod +x run.sh
            head -c 4096 /dev/urandom > blob.bin
            ln -s src/file1.txt link
            printf 'x' > "$(printf 'caf\\351.txt')"
            echo '*.log' > .gitignore
            git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm base
            """, in: project)
        return project
    }

    @Test("a random set of changes of every kind: diff and merge agree with git on a reference copy",
          .enabled(if: Integration.canRun(needing: tools)))
    func agreesWithGit() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("changes")
        defer { Integration.removeTemporary(root) }
        let project = try makeProject(root)
        let environment = ["CILO_HOME": root + "/home"]
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: project)
        }
        #expect(try cilo(["create", "a1"]).status == 0)
        let workspace = root + "/home/envs/changes/a1"
        var generator = SeededGenerator(for: "random changes")
        let files = (1...30).map { "src/file\($0).txt" }.shuffled(using: &generator)
        let count = Int.random(in: 2...4, using: &generator)
        let modified = files[0..<count], deleted = files[count..<(2 * count)], renamed = files[(2 * count)..<(3 * count)]
        var script = modified.map { "echo changed >> \($0)" } + deleted.map { "rm \($0)" }
            + renamed.map { "git mv \($0) \($0).moved" }
        script += [
            "git -c user.email=a@a -c user.name=agent commit -qam 'agent: first part'",
            "chmod +x src/deep/nested.txt", "rm link && echo now-a-file > link", "head -c 4096 /dev/urandom > blob.bin",
            "echo untracked > src/new.txt", "printf 'y' > \"$(printf 'na\\377me')\"", "echo ignored > debug.log",
            "mkdir -p fresh/dir && echo z > fresh/dir/z.txt",
        ]
        try sh(script.joined(separator: " && "), in: workspace)

        // The reference: a copy of the workspace where git itself commits everything.
        let reference = root + "/reference"
        try sh("cp -a '\(workspace)' '\(reference)' && cd '\(reference)' && git add -A && git -c user.email=r@r -c user.name=r commit -qm all", in: root)
        let base = try Integration.check(["git", "-C", project, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = try Integration.check(["git", "-C", reference, "-c", "core.quotepath=off", "diff", "--name-status", "-M", base, "HEAD"])
            .split(separator: "\n").map { line -> String in
                let parts = line.split(separator: "\t").map(String.init)
                let kind = ["A": "added", "M": "modified", "D": "deleted", "T": "typechanged"][String(parts[0].prefix(1))] ?? "renamed"
                return kind + " " + parts.last!
            }.sorted()

        let diff = try cilo(["diff", "a1", "--json"])
        #expect(diff.status == 0, "\(diff.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(diff.out.utf8)) as? [String: Any])
        #expect(object["base"] as? String == base)
        let changes = try #require(object["changes"] as? [[String: Any]])
        let got = changes.map { change -> String in
            let kind = change["change"] as? String ?? ""
            // git's text output here decodes a byte that is not UTF-8 as U+FFFD; cilo writes it as \xNN.
            let path = (change["path"] as? String ?? "").replacingOccurrences(of: "\\xff", with: "\u{FFFD}")
            return (kind == "mode" ? "modified" : kind) + " " + path
        }.sorted()
        #expect(got == expected, "cilo: \(got)\ngit: \(expected)")
        #expect(changes.contains { $0["change"] as? String == "mode" && $0["path"] as? String == "src/deep/nested.txt" })
        #expect(changes.contains { $0["change"] as? String == "typechanged" && $0["path"] as? String == "link" })
        #expect(changes.contains { $0["path"] as? String == "na\\xffme" }, "a name that is not UTF-8 is kept exact")
        #expect(!changes.contains { ($0["path"] as? String ?? "").hasSuffix(".log") }, "ignored files are not changes")
        let patch = try cilo(["diff", "a1"])
        #expect(patch.out.contains("Binary files a/blob.bin and b/blob.bin differ"), "binary files are marked")
        #expect(try cilo(["diff", "a1", "--name-only", "--", "src/deep"]).out == "src/deep/nested.txt\n")

        // A detached source HEAD is no obstacle: the branch is made from the recorded base.
        try sh("git checkout -q --detach", in: project)
        let sourceHead = try Integration.check(["git", "-C", project, "rev-parse", "HEAD"])
        let merged = try cilo(["merge", "a1"])
        #expect(merged.status == 0, "\(merged.err)")
        #expect(merged.out.contains("made branch cilo/a1") && merged.out.contains("1 commit of the agent's"), "\(merged.out)")
        let branchTree = try Integration.check(["git", "-C", project, "rev-parse", "cilo/a1^{tree}"])
        let referenceTree = try Integration.check(["git", "-C", reference, "rev-parse", "HEAD^{tree}"])
        #expect(branchTree == referenceTree, "the branch holds exactly the workspace's state")
        #expect(try Integration.check(["git", "-C", project, "log", "--format=%s", "cilo/a1"]).contains("agent: first part"), "the agent's commit is kept")
        #expect(try Integration.check(["git", "-C", project, "rev-parse", "HEAD"]) == sourceHead)
        #expect(try Integration.check(["git", "-C", project, "status", "--porcelain"]).isEmpty, "the source's index and tree are untouched")

        try sh("echo again >> src/new.txt", in: workspace)
        let again = try cilo(["merge", "a1"])
        #expect(again.out.contains("updated branch cilo/a1"), "\(again.out)")

        try sh("git checkout -q cilo/a1", in: project)
        Integration.expectOneLineError(try cilo(["merge", "a1"]), mentioning: ["cilo/a1", "checked out"])
        Integration.expectOneLineError(try cilo(["merge", "a1", "--branch", "bad..name"]), mentioning: ["bad..name"])
        Integration.expectOneLineError(try cilo(["diff", "nosuch"]), mentioning: ["no environment 'nosuch'"])
        // Gone: an overlay workspace's upper folder (what the agent wrote) with it.
        if try Integration.run(["findmnt", workspace]).status == 0 {
            try Integration.check(["umount", workspace])
            try FileManager.default.removeItem(atPath: root + "/home/layers/changes/a1")
        }
        try FileManager.default.removeItem(atPath: workspace)
        Integration.expectOneLineError(try cilo(["diff", "a1"]), mentioning: ["workspace", "gone"])
    }

    @Test("merge --apply writes the changes into the source's tree; a path the source changed too refuses it all, or with --3way gets markers",
          .enabled(if: Integration.canRun(needing: tools)))
    func applyToSource() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("apply")
        defer { Integration.removeTemporary(root) }
        let project = try makeProject(root)
        let environment = ["CILO_HOME": root + "/home"]
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: project)
        }
        for env in ["a1", "a2"] { #expect(try cilo(["create", env]).status == 0) }
        let a1 = root + "/home/envs/changes/a1", a2 = root + "/home/envs/changes/a2"
        try sh("echo agent >> src/file1.txt && echo new > src/added.txt && git mv src/file2.txt src/renamed.txt && rm src/file3.txt", in: a1)
        try sh("echo other >> src/file9.txt && printf 'z' > \"$(printf 'b\\377d')\"", in: a2)

        // The source changed file1 as well: a1's apply is refused whole.
        try sh("echo mine >> src/file1.txt", in: project)
        let before = try Integration.check(["git", "-C", project, "status", "--porcelain"])
        let refused = try cilo(["merge", "a1", "--apply"])
        Integration.expectOneLineError(refused, mentioning: ["src/file1.txt", "nothing was written"])
        #expect(try Integration.check(["git", "-C", project, "status", "--porcelain"]) == before, "the source is as it was")

        // a2 touches nothing the source changed: applied, including a name that is not UTF-8.
        let applied = try cilo(["merge", "a2", "--apply"])
        #expect(applied.status == 0 && applied.out.contains("applied 2 changed paths"), "\(applied.out)\(applied.err)")
        #expect(try String(contentsOfFile: project + "/src/file9.txt", encoding: .utf8) == "line 9\nother\n")
        let listed = try Integration.run(["sh", "-c", "test -f \"$(printf 'b\\377d')\""], directory: project)
        #expect(listed.status == 0, "the non-UTF-8 name was written exactly")

        // --3way: conflict markers in the path both changed, the rest applied.
        let merged = try cilo(["merge", "a1", "--apply", "--3way"])
        #expect(merged.status == 1, "\(merged.out)\(merged.err)")
        #expect(merged.out.contains("conflict markers in: src/file1.txt"), "\(merged.out)")
        #expect(try String(contentsOfFile: project + "/src/file1.txt", encoding: .utf8).contains("<<<<<<<"))
        #expect(FileManager.default.fileExists(atPath: project + "/src/added.txt") && !FileManager.default.fileExists(atPath: project + "/src/file3.txt"))
    }

    @Test("what exclude: keeps out of the workspace is not the agent's work: no deletion in diff, apply or merge, no added node_modules",
          .enabled(if: Integration.canRun(needing: tools)))
    func excludedPaths() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("excluded")
        defer { Integration.removeTemporary(root) }
        let project = try makeProject(root)
        try sh("printf 'exclude: [deep, /blob.bin, node_modules]\\n' >> .cilo/config.yml && git -c user.email=t@t -c user.name=t commit -qam excludes",
               in: project)
        let environment = ["CILO_HOME": root + "/home"]
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: project)
        }
        #expect(try cilo(["create", "x1"]).status == 0)
        let workspace = root + "/home/envs/changes/x1"
        #expect(!FileManager.default.fileExists(atPath: workspace + "/src/deep") && !FileManager.default.fileExists(atPath: workspace + "/blob.bin"))
        try sh("""
            echo agent >> src/file5.txt && mkdir -p node_modules/pkg web/node_modules/dep && echo installed > node_modules/pkg/index.js
            echo app > web/app.js && echo installed-deep-only > web/node_modules/dep/index.js
            """, in: workspace)
        let diff = try cilo(["diff", "x1", "--name-only"])
        #expect(diff.status == 0 && diff.out == "src/file5.txt\nweb/app.js\n", "\(diff.out)\(diff.err)")
        // Not even hashed: the new folder web/ went in without what exclude: matches inside it.
        let blob = try Integration.check(["sh", "-c", "echo installed-deep-only | git hash-object --stdin"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let objects = root + "/home/changes/changes/x1/objects"
        #expect(!FileManager.default.fileExists(atPath: objects + "/" + blob.prefix(2) + "/" + blob.dropFirst(2)), "\(blob) was hashed")
        #expect(try cilo(["merge", "x1"]).status == 0)
        #expect(try Integration.run(["git", "-C", project, "cat-file", "-e", "cilo/x1:src/deep/nested.txt"]).status == 0, "the branch keeps it")
        #expect(try Integration.run(["git", "-C", project, "cat-file", "-e", "cilo/x1:node_modules/pkg/index.js"]).status != 0)
        let applied = try cilo(["merge", "x1", "--apply"])
        #expect(applied.status == 0 && applied.out.contains("applied 2 changed paths"), "\(applied.out)\(applied.err)")
        #expect(try Integration.check(["git", "-C", project, "status", "--porcelain"]) == " M src/file5.txt\n?? web/\n")
        #expect(!FileManager.default.fileExists(atPath: project + "/web/node_modules"))
    }

    @Test("Ctrl-C during merge: exit 130, the source's branches, HEAD, index and tree as they were",
          .enabled(if: Integration.canRun(needing: tools)))
    func interruptedMerge() throws {
        try Integration.require(Self.tools)
        let root = try Integration.temporaryDirectory("merge-int")
        defer { Integration.removeTemporary(root) }
        let project = try makeProject(root)
        let environment = ["CILO_HOME": root + "/home"]
        #expect(try Integration.run([Integration.ciloExecutable, "create", "m1"], environment: environment, directory: project).status == 0)
        // A large new file: hashing it into the source's object store takes a few seconds.
        try sh("head -c 300000000 /dev/urandom > big.bin && echo edit >> src/file1.txt", in: root + "/home/envs/changes/m1")
        let refsBefore = try Integration.check(["git", "-C", project, "for-each-ref"])
        let headBefore = try Integration.check(["git", "-C", project, "rev-parse", "HEAD"])
        // The signal lands once the agent's commits are fetched (the temporary ref exists): while the
        // uncommitted work is hashed into the source.
        let merge = try Interrupter.run([Integration.ciloExecutable, "merge", "m1"], environment: environment, directory: project) { _ in
            FileManager.default.fileExists(atPath: project + "/.git/refs/cilo-merge/m1")
        }
        #expect(merge.status == 130, "exit \(merge.status): \(merge.out)\(merge.err)")
        #expect(try Integration.check(["git", "-C", project, "for-each-ref"]) == refsBefore, "no branch, no temporary ref left")
        #expect(try Integration.check(["git", "-C", project, "rev-parse", "HEAD"]) == headBefore)
        #expect(try Integration.check(["git", "-C", project, "status", "--porcelain"]).isEmpty)
    }

    @Test("a source without git: diff works from the manifest cilo wrote at create; apply copies back unless the source changed a path too; merge needs git",
          .enabled(if: Integration.canRun(needing: tools + ["mkfs.btrfs", "btrfs"])), arguments: [false, true])
    func withoutGit(snapshot: Bool) throws {
        // On btrfs with the source a subvolume, the workspace is a snapshot: no walk made it, so
        // its manifest comes from a walk of its own.
        let fs = snapshot ? try LoopFileSystem(.btrfs) : nil
        defer { fs?.tearDown() }
        let root = try fs.map { $0.mountPoint } ?? Integration.temporaryDirectory("nogit")
        defer { if fs == nil { Integration.removeTemporary(root) } }
        let source = root + "/source"
        if snapshot { try Integration.check(["btrfs", "subvolume", "create", source]) }
        try FileManager.default.createDirectory(atPath: source + "/.cilo", withIntermediateDirectories: true)
        try sh("""
            echo 'project: nogit' > .cilo/config.yml
            printf 'services:\\n  web:\\n    image: cilo-test/busybox\\n' > docker-compose.yml
            mkdir -p d && for i in 1 2 3 4; do echo "line $i" > d/f$i.txt; done && ln -s d/f1.txt link
            mkdir -p e/deeper && echo inner > e/deeper/inner
            """, in: source)
        let environment = ["CILO_HOME": root + "/home"]
        func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Integration.run([Integration.ciloExecutable] + arguments, environment: environment, directory: source)
        }
        let created = try cilo(["create", "b1", "--json"])
        #expect(created.status == 0)
        #expect(created.out.contains(snapshot ? "\"snapshot\"" : "\"cloneStrategy\""), "\(created.out)")
        #expect(try cilo(["create", "b2"]).status == 0)
        // As root on btrfs, a snapshot's baseline is a read-only snapshot (no walk); else a manifest.
        #expect(FileManager.default.fileExists(atPath: root + "/home/changes/nogit/b1/base") == (snapshot && Integration.isRoot))
        let empty = try cilo(["diff", "b1", "--name-only"])
        #expect(empty.status == 0 && empty.out.isEmpty, "nothing changed yet: \(empty.out)\(empty.err)")
        let workspace = root + "/home/envs/nogit/b1"
        try sh("""
            echo more >> d/f1.txt && rm d/f2.txt && chmod +x d/f3.txt && echo new > d/new.txt
            rm link && echo file > link && touch -m d/f4.txt && printf 'x' > "$(printf 'b\\377d')"
            mv e e2
            """, in: workspace)
        try sh("echo theirs >> d/f1.txt", in: source)
        let diff = try cilo(["diff", "b1", "--json"])
        #expect(diff.status == 0, "\(diff.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(diff.out.utf8)) as? [String: Any])
        let changes = (object["changes"] as? [[String: Any]] ?? []).map { "\($0["change"] as? String ?? "") \($0["path"] as? String ?? "")" }
        #expect(changes.sorted() == ["added b\\xffd", "added d/new.txt", "added e2/deeper/inner", "deleted d/f2.txt", "deleted e/deeper/inner",
                                     "mode d/f3.txt", "modified d/f1.txt", "modified d/f4.txt", "typechanged link"], "\(changes)")
        let patch = try cilo(["diff", "b1", "--", "d/f1.txt"])
        #expect(patch.out.contains("+more") && patch.out.contains("the source changed it too"), "\(patch.out)\(patch.err)")
        #expect(try cilo(["list"]).out.contains("9 files"))
        Integration.expectOneLineError(try cilo(["merge", "b1"]), mentioning: ["git"])
        Integration.expectOneLineError(try cilo(["merge", "b1", "--apply"]), mentioning: ["not UTF-8", "nothing was written"])
        try sh("rm \"$(printf 'b\\377d')\"", in: workspace)
        Integration.expectOneLineError(try cilo(["merge", "b1", "--apply"]), mentioning: ["d/f1.txt", "nothing was written"])
        #expect(FileManager.default.fileExists(atPath: source + "/d/f2.txt"), "nothing of b1 was applied")

        let other = root + "/home/envs/nogit/b2"
        try sh("echo b2 >> d/f2.txt && rm d/f3.txt && echo added > d/b2.txt && chmod +x d/f4.txt", in: other)
        let applied = try cilo(["merge", "b2", "--apply"])
        #expect(applied.status == 0 && applied.out.contains("applied 4 changed paths"), "\(applied.out)\(applied.err)")
        #expect(try String(contentsOfFile: source + "/d/f2.txt", encoding: .utf8) == "line 2\nb2\n")
        #expect(!FileManager.default.fileExists(atPath: source + "/d/f3.txt"))
        #expect(try String(contentsOfFile: source + "/d/b2.txt", encoding: .utf8) == "added\n")
        #expect(FileManager.default.isExecutableFile(atPath: source + "/d/f4.txt"))
    }
}
