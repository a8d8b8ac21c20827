import Foundation
import Testing

/// `cilo du` as users run it.
@Suite("cilo du on the command line", .serialized)
struct DiskUsageCommandLineTests {
    @Test("a table with a total, --bytes, and --json with every field", .enabled(if: Integration.canRun(needing: [])))
    func output() throws {
        try Integration.require([])
        let root = try Integration.temporaryDirectory("du-cli")
        defer { Integration.removeTemporary(root) }
        for tree in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(tree)/sub", withIntermediateDirectories: true)
            try Data(repeating: 1, count: 10_000).write(to: URL(fileURLWithPath: "\(root)/\(tree)/sub/file"))
        }
        let table = try Integration.cilo(["du", root + "/a", root + "/b", root + "/a/sub"])
        #expect(table.status == 0, "\(table.err)")
        let lines = table.out.split(separator: "\n")
        #expect(lines.first?.contains("EXCLUSIVE") == true)
        let total = try #require(lines.last)
        #expect(total.hasPrefix("total"))
        #expect(total.hasSuffix(" 2"), "a/sub is inside a: the total counts 2 files, not 3: \(total)")

        let raw = try Integration.cilo(["du", "--bytes", root + "/a"])
        #expect(raw.out.contains("10000"))

        let json = try Integration.cilo(["du", "--json", root + "/a", root + "/b"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        #expect(array.count == 2)
        for key in ["path", "filesystem", "apparentBytes", "allocatedBytes", "exclusiveBytes", "sharedBytes", "files", "directories", "symlinks"] {
            #expect(array[0][key] != nil, "missing \(key)")
        }
        #expect(array[0]["apparentBytes"] as? Int == 10_000)
    }

    @Test("bad input: missing paths, a file, an unreadable subtree", .enabled(if: Integration.canRun(needing: ["setpriv"])))
    func badInput() throws {
        try Integration.require(["setpriv"])
        let root = try Integration.temporaryDirectory("du-bad")
        defer { Integration.removeTemporary(root) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        try FileManager.default.createDirectory(atPath: root + "/tree/open", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/tree/secret", withIntermediateDirectories: true)
        try Data(repeating: 2, count: 5000).write(to: URL(fileURLWithPath: root + "/tree/open/file"))
        try Data(repeating: 3, count: 7000).write(to: URL(fileURLWithPath: root + "/tree/secret/hidden"))
        try Integration.check(["chmod", "-R", "a+rX", root + "/tree"])
        try Integration.check(["chmod", "0700", root + "/tree/secret"])

        Integration.expectOneLineError(try Integration.cilo(["du", root + "/missing"]), mentioning: ["no such file", "missing"])
        Integration.expectOneLineError(try Integration.cilo(["du", "no-such-env"]), mentioning: ["no such file, directory or environment", "no-such-env"])

        let file = try Integration.cilo(["du", "--bytes", root + "/tree/open/file"])
        #expect(file.status == 0)
        #expect(file.out.contains("5000"))

        // As nobody the secret directory cannot be read: the rest is measured, the secret listed, exit non-zero.
        let partial = try Integration.cilo(["du", "--bytes", root + "/tree"], asUser: 65534)
        #expect(partial.status != 0)
        #expect(partial.out.contains("5000"), "the readable part is measured: \(partial.out)")
        #expect(partial.err.contains("secret"), "\(partial.err)")
        #expect(partial.err.contains("could not read"))
    }
}
