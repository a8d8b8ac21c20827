import CiloSystem
import Subprocess
import Synchronization
import SystemPackage

/// What an external tool (docker, compose) printed and how it ended.
public struct ToolResult: Sendable {
    public var status: Int32
    public var output: String
    public var error: String

    public var succeeded: Bool { status == 0 }

    /// The last `count` non-empty lines of standard error (else standard output), for messages.
    public func tail(_ count: Int = 3) -> String {
        let text = error.isEmpty ? output : error
        return text.split(separator: "\n").suffix(count).joined(separator: " | ")
    }
}

/// Runs external tools through swift-subprocess, collecting their output. Every child has a
/// time limit (`ChildLimit`, by the tool unless given) and is stopped (SIGTERM, then SIGKILL)
/// when it is met or when cilo is told to stop (`ChildStops`).
public enum ToolRunner {
    /// Runs `executable` (a path when it holds a `/`, else looked up on PATH) with `arguments`;
    /// a non-zero exit is a result, not an error.
    /// - Throws: when the tool cannot be started at all (not installed), meets its limit or is stopped.
    public static func run(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil,
        environment: [String: String] = [:], limit: ChildLimit? = nil
    ) async throws(CiloError) -> ToolResult {
        let limit = limit ?? ChildLimit.forCall(executable, arguments)
        let result = try await limited(executable, limit) { options in
            try await Subprocess.run(
                program(executable), arguments: Arguments(arguments), environment: .inherit.updating(environmentUpdates(environment)),
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options,
                output: .string(limit: 64 << 20), error: .string(limit: 8 << 20))
        }
        return ToolResult(status: status(result.terminationStatus), output: result.standardOutput, error: result.standardError)
    }

    /// Runs `executable` with the file `input` (opened for reading) as its standard input:
    /// cilo's own binary sent to an engine over ssh.
    public static func run(
        _ executable: String, _ arguments: [String], input: FileDescriptor, environment: [String: String] = [:]
    ) async throws(CiloError) -> ToolResult {
        let result = try await limited(executable, ChildLimit.forCall(executable, arguments)) { options in
            try await Subprocess.run(
                program(executable), arguments: Arguments(arguments), environment: .inherit.updating(environmentUpdates(environment)),
                platformOptions: options, input: .fileDescriptor(input, closeAfterSpawningProcess: false),
                output: .string(limit: 64 << 20), error: .string(limit: 8 << 20))
        }
        return ToolResult(status: status(result.terminationStatus), output: result.standardOutput, error: result.standardError)
    }

    /// Runs a tool whose output is bytes (file names that are not UTF-8): its status,
    /// standard output as bytes and standard error as text.
    /// `input`: a file (opened for reading) as its standard input.
    public static func runForBytes(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil,
        environment: [String: String] = [:], input: FileDescriptor? = nil, limit: ChildLimit? = nil
    ) async throws(CiloError) -> (status: Int32, output: [UInt8], error: String) {
        let directory = workingDirectory.map { FilePath($0) }
        let variables = Environment.inherit.updating(environmentUpdates(environment))
        let result = try await limited(executable, limit ?? ChildLimit.forCall(executable, arguments)) { options in
            if let input {
                try await Subprocess.run(
                    program(executable), arguments: Arguments(arguments), environment: variables, workingDirectory: directory,
                    platformOptions: options, input: .fileDescriptor(input, closeAfterSpawningProcess: false),
                    output: .bytes(limit: 256 << 20), error: .string(limit: 8 << 20))
            } else {
                try await Subprocess.run(
                    program(executable), arguments: Arguments(arguments), environment: variables, workingDirectory: directory,
                    platformOptions: options, output: .bytes(limit: 256 << 20), error: .string(limit: 8 << 20))
            }
        }
        return (status(result.terminationStatus), result.standardOutput, result.standardError)
    }

    /// Runs a tool whose standard output is cilo's own (a long diff goes straight to the
    /// terminal or pipe). - Returns: its status and standard error.
    public static func runPassingOutput(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil,
        environment: [String: String] = [:]
    ) async throws(CiloError) -> (status: Int32, error: String) {
        let result = try await limited(executable, ChildLimit.forCall(executable, arguments)) { options in
            try await Subprocess.run(
                program(executable), arguments: Arguments(arguments), environment: .inherit.updating(environmentUpdates(environment)),
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options,
                output: .currentStandardOutput, error: .string(limit: 8 << 20))
        }
        return (status(result.terminationStatus), result.standardError)
    }

    /// Runs `body` (one Subprocess call) against the child's time limit and cilo's stops: the
    /// first of them cancels the others, and a cancelled Subprocess stops its child before it returns.
    private static func limited<Result: Sendable>(
        _ executable: String, _ limit: ChildLimit, _ body: @escaping @Sendable (PlatformOptions) async throws -> Result
    ) async throws(CiloError) -> Result {
        let generation = ChildStops.shared.generation
        let seconds = limit.seconds
        let outcome = await withTaskGroup(of: ChildOutcome<Result>.self) { group -> ChildOutcome<Result> in
            group.addTask {
                do { return .finished(.success(try await body(ChildLimit.stopping))) } catch { return .finished(.failure(error)) }
            }
            group.addTask {
                do { try await Task.sleep(for: .seconds(seconds)) } catch { return .finished(.failure(CancellationError())) }
                return .timedOut
            }
            group.addTask {
                await ChildStops.shared.waitForStop(after: generation)
                return .stopped
            }
            let first = await group.next() ?? .stopped
            group.cancelAll()
            await group.waitForAll()
            return first
        }
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        switch outcome {
        case .finished(.success(let result)):
            return result
        case .finished(.failure(let error)):
            // Only a missing program is "not installed"; any other failure (a working folder that
            // went, a pipe that broke, output past its limit) says what it was.
            if let subprocess = error as? SubprocessError, subprocess.code == .executableNotFound {
                throw CiloError(.notFound, "cannot run \(name) (is it installed? scripts/bootstrap installs it)", cause: ErrorText(error))
            }
            if let subprocess = error as? SubprocessError, subprocess.code == .outputLimitExceeded {
                throw CiloError(.failed, "\(name) printed more than cilo reads of it", cause: ErrorText(error))
            }
            throw CiloError(.failed, "running \(name) failed: \(String(describing: error).split(separator: "\n").first ?? "")", cause: ErrorText(error))
        case .timedOut:
            throw CiloError(
                .failed, "\(limit.name) did not finish within \(ByteFormatting.duration(seconds)) and was stopped (CILO_CHILD_TIMEOUT sets the limit)")
        case .stopped:
            throw CiloError(.cancelled, "cancelled: \(name) was stopped")
        }
    }

    /// A name is looked up on PATH once per process (trying each PATH folder by starting the
    /// program there cost a failed fork and exec per folder, on every call).
    private static func program(_ executable: String) -> Executable {
        if executable.contains("/") { return .path(FilePath(executable)) }
        if let known = resolved.withLock({ $0[executable] }) { return .path(FilePath(known)) }
        guard let path = HostFacts.pathOfExecutable(executable) else { return .name(executable) }
        resolved.withLock { $0[executable] = path }
        return .path(FilePath(path))
    }

    private static let resolved = Mutex<[String: String]>([:])

    /// `environment` as Subprocess's updates of the inherited environment (names it cannot hold left out).
    static func environmentUpdates(_ environment: [String: String]) -> [Environment.Key: String?] {
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment {
            if let key = Environment.Key(rawValue: key) { updates[key] = value }
        }
        return updates
    }

    private static func status(_ termination: TerminationStatus) -> Int32 {
        switch termination {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }
}

/// How a limited child ended: its own way, at its time limit, or stopped with cilo.
private enum ChildOutcome<Value: Sendable>: Sendable {
    case finished(Result<Value, any Error>)
    case timedOut
    case stopped
}

/// Any error kept as its text, so it can travel as a `Sendable` cause.
struct ErrorText: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = String(describing: error) }
}
