#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import Foundation
import Testing

/// `cilo file` and the MCP file tools: confined to the workspace whatever the path says.
@Suite("Workspace files, confined")
struct WorkspaceFilesTests {
    /// A workspace with a file, a folder, a symlink inside, one leading out and a FIFO; beside
    /// it a secret that must never be read or written.
    private static func workspace() throws -> (files: WorkspaceFiles, root: String, outside: String) {
        let folder = NSTemporaryDirectory() + "cilo-files-\(UUID().uuidString.prefix(8))"
        let root = folder + "/ws"
        try FileManager.default.createDirectory(atPath: root + "/src/deep", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/.git/objects", withIntermediateDirectories: true)
        try "main\n".write(toFile: root + "/src/main.txt", atomically: true, encoding: .utf8)
        try "secret\n".write(toFile: folder + "/secret", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/inside", withDestinationPath: "src/main.txt")
        try FileManager.default.createSymbolicLink(atPath: root + "/out", withDestinationPath: "../secret")
        try FileManager.default.createSymbolicLink(atPath: root + "/outdir", withDestinationPath: folder)
        #expect(mkfifo(root + "/pipe", 0o644) == 0)
        return (WorkspaceFiles(root: root, env: "a1"), root, folder + "/secret")
    }

    /// The one-line error `body` fails with; nil when it succeeds.
    private static func failure(_ body: () throws(CiloError) -> Void) -> String? {
        do throws(CiloError) {
            try body()
            return nil
        } catch {
            return error.description
        }
    }

    @Test("reads and writes inside, through a symlink that stays inside; offsets, limits and sizes")
    func inside() throws {
        let (files, root, _) = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        #expect(try files.read("src/main.txt", limit: 100).bytes == Array("main\n".utf8))
        #expect(try files.read("inside", limit: 100).bytes == Array("main\n".utf8))
        #expect(try files.read(root + "/src/main.txt", limit: 100).bytes == Array("main\n".utf8), "an absolute path inside the workspace")
        let part = try files.read("./src/main.txt", offset: 1, limit: 2)
        #expect(part.bytes == Array("ai".utf8) && part.size == 5)
        #expect(try files.read("src/main.txt", offset: 99, limit: 2).bytes.isEmpty)
        #expect(try files.write("src/deep/new.txt", bytes: Array("new".utf8), makeFolders: false) == 3)
        #expect(try String(contentsOfFile: root + "/src/deep/new.txt", encoding: .utf8) == "new")
        #expect(try files.write("a/b/c.txt", bytes: [1, 2], makeFolders: true) == 2)
        #expect(try files.write("src/main.txt", bytes: Array("x".utf8), makeFolders: false) == 1)
        #expect(try String(contentsOfFile: root + "/src/main.txt", encoding: .utf8) == "x", "the whole content replaced")
        let listing = try files.list(".", depth: 3, limit: 100)
        let paths = listing.entries.map(\.path)
        #expect(paths.contains("src/deep/new.txt") && paths.contains(".git") && !paths.contains(".git/objects"))
        #expect(listing.entries.first { $0.path == "src/main.txt" }?.size == 1)
        #expect(listing.entries.first { $0.path == "out" }?.kind == "symlink")
        let cut = try files.list(".", depth: 3, limit: 2)
        #expect(cut.entries.count == 2 && cut.cut)
    }

    @Test("every way out is refused in one line and nothing outside is read or written")
    func escapes() throws {
        let (files, root, outside) = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        for path in ["../secret", "src/../../secret", "/etc/passwd", outside, "out", "outdir/secret", "inside/../../secret"] {
            #expect(throws: CiloError.self, "read \(path)") { try files.read(path, limit: 100) }
            #expect(throws: CiloError.self, "write \(path)") { try files.write(path, bytes: Array("pwned".utf8), makeFolders: true) }
            #expect(throws: CiloError.self, "list \(path)") { try files.list(path, depth: 1, limit: 10) }
        }
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "secret\n")
        #expect(!FileManager.default.fileExists(atPath: (root as NSString).deletingLastPathComponent + "/pwned"))
        #expect(Self.failure { () throws(CiloError) in _ = try files.read("out", limit: 10) } == "path 'out' leaves the workspace of 'a1'")
    }

    @Test("special files, folders and missing paths: named, never opened for data")
    func specialFiles() throws {
        let (files, root, _) = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let cases: [(String, String)] = [("pipe", "a FIFO"), ("src", "a folder"), ("nothing", "no 'nothing'")]
        for (path, said) in cases {
            let text = Self.failure { () throws(CiloError) in _ = try files.read(path, limit: 10) }
            #expect(text?.contains(said) == true, "\(path): \(text ?? "succeeded")")
        }
        #expect(throws: CiloError.self) { try files.write("pipe", bytes: [1], makeFolders: false) }
        #expect(throws: CiloError.self) { try files.write("missing/x", bytes: [1], makeFolders: false) }
        #expect(throws: CiloError.self) { try files.write(".", bytes: [1], makeFolders: false) }
        #expect(throws: CiloError.self) { try files.list("src/main.txt", depth: 1, limit: 10) }
        #expect(throws: CiloError.self) { try files.read("a\u{0}b", limit: 10) }
    }
}
