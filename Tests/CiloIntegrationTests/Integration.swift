#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Gates and helpers for tests that need root, real file systems or system tools.
///
/// Outside CI a test whose prerequisites are missing is disabled and says why. With
/// `CI=true` it is always enabled, so a missing prerequisite fails it instead.
enum Integration {
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    static var isRoot: Bool { geteuid() == 0 }

    /// Whether `tool` is on PATH (or in the sbin directories).
    static func has(_ tool: String) -> Bool {
        if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    /// Enabled when in CI, or when running as root with every tool present.
    static func canRun(needing tools: [String]) -> Bool {
        isCI || (isRoot && tools.allSatisfy(has))
    }

    /// Fails the current test when a prerequisite is missing (only reached in CI or when present).
    static func require(_ tools: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard isRoot else {
            Issue.record("this integration test needs root (CI=true makes that a failure)", sourceLocation: sourceLocation)
            throw IntegrationError.missing("root")
        }
        for tool in tools where !has(tool) {
            Issue.record("this integration test needs \(tool); run scripts/bootstrap", sourceLocation: sourceLocation)
            throw IntegrationError.missing(tool)
        }
    }

    /// Runs a program, returning its exit status, stdout and stderr.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes are read at once: reading one to its end first would hang once the child
        // filled the other (64 KiB of standard error while standard output was still open).
        let errorReader = PipeReader(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = errorReader.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// Runs a program with standard input, output and error from /dev/null (posix_spawn, waitpid):
    /// its exit status, or -1 when it could not start.
    static func spawnAndWait(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0) }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Runs a program and throws when it fails.
    @discardableResult
    static func check(_ arguments: [String]) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw IntegrationError.commandFailed(arguments.joined(separator: " ") + ": " + result.err)
        }
        return result.out
    }

    /// The `cilo` executable built next to the test bundle.
    static var ciloExecutable: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("cilo").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return ".build/debug/cilo"
    }

    /// Runs the built `cilo` with `arguments`.
    static func cilo(_ arguments: [String], asUser user: Int? = nil) throws -> (status: Int32, out: String, err: String) {
        var command = [ciloExecutable] + arguments
        if let user {
            command = ["setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups"] + command
        }
        return try Integration.run(command)
    }

    /// Asserts a failed run printed exactly one error line mentioning every fragment.
    static func expectOneLineError(_ result: (status: Int32, out: String, err: String), mentioning fragments: [String],
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.err)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.err.contains(fragment), "stderr lacks \(fragment): \(result.err)", sourceLocation: sourceLocation)
        }
    }

    /// Removes a test's folder: whatever is still mounted below it (an overlay workspace a
    /// test did not destroy) is unmounted first, never deleted through.
    static func removeTemporary(_ path: String) {
        _ = try? run(["sh", "-c", "findmnt -n -l -o TARGET | grep -F \"$1/\" | sort -r | while IFS= read -r m; do umount -l \"$m\"; done", "sh", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A fresh directory under /tmp, removed by the caller (`removeTemporary`).
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = "/tmp/cilo-test-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

enum IntegrationError: Error, CustomStringConvertible {
    case missing(String)
    case commandFailed(String)

    var description: String {
        switch self {
        case .missing(let what): return "missing prerequisite: \(what)"
        case .commandFailed(let what): return "command failed: \(what)"
        }
    }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeReader: @unchecked Sendable {
    // `data` is written by the thread before `done` is signalled, and read only after `wait()` returns.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything the pipe held once its writer closed it.
    func wait() -> Data {
        done.wait()
        return data
    }
}
