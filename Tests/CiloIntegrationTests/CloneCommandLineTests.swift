import CiloSystem
import Foundation
import Testing

/// `cilo clone` as users run it: exit status, one clear line on bad input, nothing left behind.
@Suite("cilo clone on the command line", .serialized)
struct CloneCommandLineTests {
    @Test("a clone prints its report, and --json carries every field", .enabled(if: Integration.canRun(needing: [])))
    func jsonReport() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("cli-json")
        defer { Integration.removeTemporary(root) }
        try FileManager.default.createDirectory(atPath: root + "/src/a", withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: root + "/src/a/file"))
        let result = try Integration.cilo(["clone", root + "/src", root + "/dst", "--json", "--no-progress"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        for key in ["source", "destination", "strategy", "files", "directories", "symlinks", "hardlinks", "bytes",
                    "cloned", "rangeCopied", "copied", "skipped", "seconds"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["files"] as? Int == 1)
        #expect(object["bytes"] as? Int == 5)
        let human = try Integration.cilo(["clone", root + "/src", root + "/dst2"])
        #expect(human.status == 0)
        #expect(human.out.contains("strategy"))
    }

    @Test("bad input: one clear line, non-zero exit, nothing created", .enabled(if: Integration.canRun(needing: [])))
    func badInput() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("cli-bad")
        defer { Integration.removeTemporary(root) }
        try FileManager.default.createDirectory(atPath: root + "/src/sub", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/src/sub/file"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/plain-file"))
        try FileManager.default.createDirectory(atPath: root + "/full", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/full/occupied"))

        Integration.expectOneLineError(try Integration.cilo(["clone", root + "/missing", root + "/out1"]), mentioning: ["source does not exist", "missing"])
        Integration.expectOneLineError(try Integration.cilo(["clone", root + "/plain-file", root + "/out2"]), mentioning: ["source is not a directory"])
        Integration.expectOneLineError(try Integration.cilo(["clone", root + "/src", root + "/full"]), mentioning: ["not empty", "full"])
        Integration.expectOneLineError(try Integration.cilo(["clone", root + "/src", root + "/src/sub/inside"]), mentioning: ["inside the source"])
        Integration.expectOneLineError(try Integration.cilo(["clone", root + "/src", root + "/no/such/parent"]), mentioning: ["parent directory"])
        let unknown = try Integration.cilo(["clone", root + "/src", root + "/out3", "--strategy", "teleport"])
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("teleport"))
        let zeroJobs = try Integration.cilo(["clone", root + "/src", root + "/out4", "--jobs", "0"])
        #expect(zeroJobs.status != 0)
        #expect(zeroJobs.err.contains("--jobs"))
        for leftover in ["out1", "out2", "out3", "out4", "src/sub/inside", "no"] {
            #expect(!FileManager.default.fileExists(atPath: root + "/" + leftover), "left behind: \(leftover)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/full") == ["occupied"])
    }

    @Test("an unreadable subtree fails naming it, and nothing is left", .enabled(if: Integration.canRun(needing: ["setpriv"])))
    func unreadableSubtree() throws {
        try Integration.require(["setpriv"])
        let root = try Integration.temporaryDirectory("cli-unreadable")
        defer { Integration.removeTemporary(root) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        try FileManager.default.createDirectory(atPath: root + "/src/open", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/src/secret/deeper", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
        for file in ["src/open/a", "src/open/b", "src/secret/deeper/c"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/" + file))
        }
        try Integration.check(["chmod", "-R", "a+rX", root + "/src"])
        try Integration.check(["chmod", "0700", root + "/src/secret"])
        try Integration.check(["chmod", "0777", root + "/out"])
        let result = try Integration.cilo(["clone", root + "/src", root + "/out/dst"], asUser: 65534)
        Integration.expectOneLineError(result, mentioning: ["secret", "denied"])
        #expect(!FileManager.default.fileExists(atPath: root + "/out/dst"))
    }

    @Test("SRC and DST given as bytes that are not UTF-8 are used exactly", .enabled(if: Integration.canRun(needing: [])))
    func byteArguments() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("cli-bytes")
        defer { Integration.removeTemporary(root) }
        let script = "cd \"$1\" && mkdir \"$(printf 'src\\377')\" && echo hi > \"$(printf 'src\\377')/f\" && "
            + "\"$2\" clone --no-progress \"$(printf 'src\\377')\" \"$(printf 'dst\\376')\""
        let result = try Integration.run(["sh", "-c", script, "sh", root, Integration.ciloExecutable])
        #expect(result.status == 0, "\(result.err)")
        let directory = try PathOpening.openDirectory(Array(root.utf8))
        defer { directory.closeIgnoringErrors() }
        var names: Set<[UInt8]> = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            names.insert(Array(name.bytes))
            return true
        }
        #expect(names == [Array("src".utf8) + [0xFF], Array("dst".utf8) + [0xFE]])
    }

    @Test("--exclude leaves out names anywhere and anchored paths", .enabled(if: Integration.canRun(needing: [])))
    func excludePatterns() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("cli-exclude")
        defer { Integration.removeTemporary(root) }
        for file in ["src/node_modules/x/y.js", "src/app/node_modules/z.js", "src/app/main.c", "src/app/main.o",
                     "src/build/out.o", "src/build/keep.txt", "src/other/build/out.o"] {
            let path = root + "/" + file
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        }
        let result = try Integration.cilo(["clone", "--exclude", "node_modules", "--exclude", "/build/*.o", "--json", root + "/src", root + "/dst"])
        #expect(result.status == 0, "\(result.err)")
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: root + "/dst/node_modules"))
        #expect(!fm.fileExists(atPath: root + "/dst/app/node_modules"))
        #expect(!fm.fileExists(atPath: root + "/dst/build/out.o"))
        #expect(fm.fileExists(atPath: root + "/dst/build/keep.txt"))
        #expect(fm.fileExists(atPath: root + "/dst/other/build/out.o"), "an anchored pattern matches only at the root")
        #expect(fm.fileExists(atPath: root + "/dst/app/main.o"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(object["excluded"] as? Int == 3)
    }

    @Test("Ctrl-C stops the clone, removes the partial copy and exits 130",
          .enabled(if: Integration.canRun(needing: ["mkfs.xfs"])))
    func interruptRemovesPartialCopy() throws {
        try Integration.require(["mkfs.xfs"])
        let fs = try LoopFileSystem(.xfs, sizeMiB: 1024)
        defer { fs.tearDown() }
        try Integration.check(["python3", "-c", """
            import os, sys
            root = sys.argv[1]
            for d in range(600):
                os.makedirs(f"{root}/d{d}")
                for f in range(100):
                    with open(f"{root}/d{d}/f{f}", "wb") as h: h.write(b"x" * (f * 37))
            """, fs.path("src")])
        // The signal lands once the clone has written into the destination.
        let destination = fs.path("dst")
        let result = try Interrupter.run(
            [Integration.ciloExecutable, "clone", "--jobs", "1", fs.path("src"), destination], environment: [:], directory: "/"
        ) { _ in ((try? FileManager.default.contentsOfDirectory(atPath: destination)) ?? []).count > 0 }
        #expect(result.status == 130, "exit \(result.status): \(result.err)")
        #expect(result.err.contains("cancelled"), "\(result.err)")
        #expect(result.err.contains("nothing was left"), "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: fs.path("dst")))
    }

    @Test("a read-only destination file system is refused", .enabled(if: Integration.canRun(needing: ["mkfs.ext4"])))
    func readOnlyDestination() throws {
        try Integration.require(["mkfs.ext4"])
        let fs = try LoopFileSystem(.ext4, sizeMiB: 16, options: "ro")
        defer { fs.tearDown() }
        let root = try Integration.temporaryDirectory("cli-ro")
        defer { Integration.removeTemporary(root) }
        try FileManager.default.createDirectory(atPath: root + "/src", withIntermediateDirectories: true)
        Integration.expectOneLineError(try Integration.cilo(["clone", root + "/src", fs.path("dst")]), mentioning: ["read-only"])
    }
}
