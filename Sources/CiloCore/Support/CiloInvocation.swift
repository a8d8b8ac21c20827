#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// One cilo command run for a tool call (`cilo mcp`) or an action of the dashboard (`cilo ui`): this same binary (`/proc/self/exe`) as a child leading
/// a process group of its own, its standard input given, its output kept up to a limit and
/// counted past it, its standard error read line by line as it comes (the steps of long work).
///
/// A tool call is a command line because that is where cilo's behaviour is whole: remote
/// engines, locks, rollback on Ctrl-C and exit codes. Stopping one (the client cancelled it,
/// went away, or its time ran out) is Ctrl-C for it: SIGINT to its group, so cilo rolls back
/// what it was making and exits; a command `cilo run` started gets SIGTERM, then SIGKILL.
public struct CiloInvocation: Sendable {
    /// How the child is stopped.
    public enum Stop: Sendable {
        /// SIGINT, as Ctrl-C: cilo rolls back and ends; SIGKILL only if it has not after two minutes.
        case interrupt
        /// SIGTERM, then SIGKILL five seconds later: for a command of the agent's.
        case terminate
    }

    /// What the child did.
    public struct Outcome: Sendable {
        /// Its exit code, or 128 + the signal that ended it.
        public var status: Int32
        /// Its standard output, up to `outputLimit` bytes.
        public var output: [UInt8]
        /// Bytes of standard output in all.
        public var outputBytes: Int
        /// Its standard error without cilo's `step:` lines, up to `errorLimit` bytes.
        public var error: [UInt8]
        /// Bytes of that standard error in all.
        public var errorBytes: Int
        public var seconds: Double
        public var timedOut: Bool
        /// Stopped because the call was cancelled (or the client went).
        public var stopped: Bool

        /// Standard output as text (bytes that are not UTF-8 replaced).
        public var outputText: String { String(decoding: output, as: UTF8.self) }
        /// Standard error as text.
        public var errorText: String { String(decoding: error, as: UTF8.self) }
        /// cilo's one-line error (`cilo: error: ...`), when it printed one.
        public var ciloError: String? {
            errorText.split(separator: "\n").last { $0.hasPrefix("cilo: error: ") }.map { String($0.dropFirst("cilo: error: ".count)) }
        }
    }

    public var arguments: [String]
    public var input: [UInt8] = []
    public var outputLimit = 1 << 20
    public var errorLimit = 256 << 10
    /// When set, each line of standard output goes here as it comes instead of being kept
    /// (`cilo logs -f` streamed to a page).
    public var onOutputLine: (@Sendable (String) -> Void)?
    /// Seconds before the child is stopped as `stop` says; nil: no limit.
    public var timeout: Double?
    public var stop: Stop = .interrupt
    /// Set for the child over cilo's own environment.
    public var environment: [String: String] = [:]
    public var workingDirectory: String

    public init(_ arguments: [String], workingDirectory: String) {
        self.arguments = arguments
        self.workingDirectory = workingDirectory
    }

    /// The stop of a running child: its group and what was asked.
    final class Handle: Sendable {
        let leader = Mutex<Int32>(0)
        let asked = Mutex<Stop?>(nil)
        let timedOut = Atomic<Bool>(false)

        /// Stops the child as `how` says (now, or as soon as it has started).
        func stop(_ how: Stop) {
            let pid = asked.withLock { asked -> Int32 in
                if asked == nil { asked = how }
                return leader.withLock { $0 }
            }
            if pid > 0 { Self.signal(pid, how) }
        }

        func started(_ pid: Int32) {
            leader.withLock { $0 = pid }
            if let how = asked.withLock({ $0 }) { Self.signal(pid, how) }
        }

        private static func signal(_ pid: Int32, _ how: Stop) {
            let first = how == .interrupt ? SIGINT : SIGTERM
            ChildProcess.signalGroup(pid, first)
            let grace: Double = how == .interrupt ? 120 : 5
            DispatchQueue.global().asyncAfter(deadline: .now() + grace) { ChildProcess.signalGroup(pid, SIGKILL) }
        }
    }

    /// Runs the child to its end. `onStep` gets each `cilo: step:` line and each other `cilo:`
    /// notice as it comes. Cancelling the calling task stops the child (as `stop` says) and
    /// waits for it to end: what it was making is rolled back before this returns.
    public func run(onStep: @escaping @Sendable (String) -> Void = { _ in }) async throws(CiloError) -> Outcome {
        let handle = Handle()
        let started = ContinuousClock.now
        let work = Task { () async -> Swift.Result<Outcome, CiloError> in await self.spawn(handle, onStep: onStep) }
        let timer = timeout.map { seconds in
            Task {
                try await Task.sleep(for: .seconds(seconds))
                handle.timedOut.store(true, ordering: .relaxed)
                handle.stop(stop)
            }
        }
        let stopHow = stop
        let result = await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            handle.stop(stopHow)
        }
        timer?.cancel()
        var outcome = try result.get()
        outcome.seconds = (ContinuousClock.now - started).seconds
        outcome.timedOut = handle.timedOut.load(ordering: .relaxed)
        outcome.stopped = handle.asked.withLock { $0 != nil } && !outcome.timedOut
        return outcome
    }

    /// `run` without steps, its failure as a value (for figures read beside a call's answer).
    public func outcome() async -> Swift.Result<Outcome, CiloError> {
        do throws(CiloError) { return .success(try await run()) } catch { return .failure(error) }
    }

    private func spawn(_ handle: Handle, onStep: @escaping @Sendable (String) -> Void) async -> Swift.Result<Outcome, CiloError> {
        var options = PlatformOptions()
        options.processGroupID = 0
        let outputLimit = self.outputLimit, errorLimit = self.errorLimit, onOutputLine = self.onOutputLine
        do {
            let result = try await Subprocess.run(
                .path(FilePath("/proc/self/exe")),
                arguments: Arguments(executablePathOverride: "cilo", remainingValues: arguments),
                environment: .inherit.updating(ToolRunner.environmentUpdates(environment)),
                workingDirectory: FilePath(workingDirectory), platformOptions: options,
                input: .array(input), output: .sequence, error: .sequence
            ) { execution in
                handle.started(execution.processIdentifier.value)
                async let output = Self.collect(execution.standardOutput, limit: outputLimit, streaming: onOutputLine)
                async let error = Self.collectLines(execution.standardError, limit: errorLimit, onLine: onStep, steps: true)
                return try await (output, error)
            }
            let (output, error) = result.closureResult
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = Int32(code)
            case .signaled(let signal): status = 128 + Int32(signal)
            }
            return .success(Outcome(
                status: status, output: output.kept, outputBytes: output.total, error: error.kept, errorBytes: error.total,
                seconds: 0, timedOut: false, stopped: false))
        } catch {
            return .failure(CiloError(.failed, "cannot run cilo for this call: \(error)"))
        }
    }

    /// Keeps the first `limit` bytes and counts all.
    private static func collect(
        _ sequence: SubprocessOutputSequence, limit: Int, streaming onLine: (@Sendable (String) -> Void)?
    ) async throws -> (kept: [UInt8], total: Int) {
        if let onLine { return try await collectLines(sequence, limit: 0, onLine: onLine, steps: false) }
        var kept: [UInt8] = []
        var total = 0
        for try await buffer in sequence {
            total += buffer.count
            if kept.count < limit { buffer.withUnsafeBytes { kept.append(contentsOf: $0.prefix(limit - kept.count)) } }
        }
        return (kept, total)
    }

    /// As `collect`, line by line. With `steps` (standard error), each `cilo: step:` line goes to
    /// `onLine` and is left out, and each other `cilo:` notice goes to `onLine` too; without, every
    /// line goes to `onLine`.
    private static func collectLines(
        _ sequence: SubprocessOutputSequence, limit: Int, onLine: @Sendable (String) -> Void, steps: Bool
    ) async throws -> (kept: [UInt8], total: Int) {
        var kept: [UInt8] = []
        var total = 0
        var lines = LineBuffer()
        func take(_ line: [UInt8]) {
            let text = String(decoding: line, as: UTF8.self)
            if !steps {
                onLine(text)
            } else if text.hasPrefix("cilo: step: ") {
                onLine(String(text.dropFirst("cilo: step: ".count)))
                return
            } else if text.hasPrefix("cilo: ") && !text.hasPrefix("cilo: error: ") {
                onLine(String(text.dropFirst("cilo: ".count)))
            }
            total += line.count + 1
            if kept.count < limit { kept.append(contentsOf: (line + [UInt8(ascii: "\n")]).prefix(limit - kept.count)) }
        }
        for try await buffer in sequence {
            for line in buffer.withUnsafeBytes({ lines.append($0) }) { take(line) }
        }
        if let last = lines.rest() { take(last) }
        return (kept, total)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
