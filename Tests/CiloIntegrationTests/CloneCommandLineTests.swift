import Foundation
import Testing

/// `cilo clone` as users run it: exit status, one clear line on bad input, nothing left behind.
@Suite("cilo clone on the command line", .serialized)
struct CloneCommandLineTests {
    /// Runs the built `cilo` with `arguments`.
    private func cilo(_ arguments: [String], asUser user: Int? = nil) throws -> (status: Int32, out: String, err: String) {
        var command = [Integration.ciloExecutable] + arguments
        if let user {
            command = ["setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups"] + command
        }
        return try Integration.run(command)
    }

    /// Asserts a failed run printed exactly one error line mentioning every fragment.
    private func expectOneLineError(_ result: (status: Int32, out: String, err: String), mentioning fragments: [String],
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.err)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.err.contains(fragment), "stderr lacks \(fragment): \(result.err)", sourceLocation: sourceLocation)
        }
    }

    @Test("a clone prints its report, and --json carries every field", .enabled(if: Integration.canRun(needing: [])))
    func jsonReport() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("cli-json")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src/a", withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: root + "/src/a/file"))
        let result = try cilo(["clone", root + "/src", root + "/dst", "--json", "--no-progress"])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        for key in ["source", "destination", "strategy", "files", "directories", "symlinks", "hardlinks", "bytes",
                    "cloned", "rangeCopied", "copied", "skipped", "seconds"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["files"] as? Int == 1)
        #expect(object["bytes"] as? Int == 5)
        let human = try cilo(["clone", root + "/src", root + "/dst2"])
        #expect(human.status == 0)
        #expect(human.out.contains("strategy"))
    }

    @Test("bad input: one clear line, non-zero exit, nothing created", .enabled(if: Integration.canRun(needing: [])))
    func badInput() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("cli-bad")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src/sub", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/src/sub/file"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/plain-file"))
        try FileManager.default.createDirectory(atPath: root + "/full", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/full/occupied"))

        expectOneLineError(try cilo(["clone", root + "/missing", root + "/out1"]), mentioning: ["source does not exist", "missing"])
        expectOneLineError(try cilo(["clone", root + "/plain-file", root + "/out2"]), mentioning: ["source is not a directory"])
        expectOneLineError(try cilo(["clone", root + "/src", root + "/full"]), mentioning: ["not empty", "full"])
        expectOneLineError(try cilo(["clone", root + "/src", root + "/src/sub/inside"]), mentioning: ["inside the source"])
        expectOneLineError(try cilo(["clone", root + "/src", root + "/no/such/parent"]), mentioning: ["parent directory"])
        let unknown = try cilo(["clone", root + "/src", root + "/out3", "--strategy", "teleport"])
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("teleport"))
        let zeroJobs = try cilo(["clone", root + "/src", root + "/out4", "--jobs", "0"])
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
        defer { try? FileManager.default.removeItem(atPath: root) }
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
        let result = try cilo(["clone", root + "/src", root + "/out/dst"], asUser: 65534)
        expectOneLineError(result, mentioning: ["secret", "denied"])
        #expect(!FileManager.default.fileExists(atPath: root + "/out/dst"))
    }

    @Test("a read-only destination file system is refused", .enabled(if: Integration.canRun(needing: ["mkfs.ext4"])))
    func readOnlyDestination() throws {
        try Integration.require(["mkfs.ext4"])
        let fs = try LoopFileSystem(.ext4, sizeMiB: 16, options: "ro")
        defer { fs.tearDown() }
        let root = try Integration.temporaryDirectory("cli-ro")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src", withIntermediateDirectories: true)
        expectOneLineError(try cilo(["clone", root + "/src", fs.path("dst")]), mentioning: ["read-only"])
    }
}
