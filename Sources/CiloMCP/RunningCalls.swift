import MCP
import Synchronization

/// The tool calls running now, each in a task of its own: a client's cancellation of one, or
/// the end of the server, cancels its task (its cilo child gets Ctrl-C), and `stopAll` waits
/// until each has ended, so nothing is left half-made when the server exits.
final class RunningCalls: Sendable {
    private struct State {
        var tasks: [Int: Task<CallTool.Result, Never>] = [:]
        var next = 0
        var stopping = false
    }

    private let state = Mutex(State())

    /// Runs `body` as a call; cancelling the caller cancels it, and waits for it to end.
    func run(_ body: @escaping @Sendable () async -> CallTool.Result) async -> CallTool.Result {
        let task = Task { await body() }
        let id = state.withLock { state -> Int in
            state.next += 1
            state.tasks[state.next] = task
            if state.stopping { task.cancel() }
            return state.next
        }
        defer { _ = state.withLock { $0.tasks.removeValue(forKey: id) } }
        return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }

    /// Cancels every call and waits until each has ended; later calls are cancelled at once.
    func stopAll() async {
        let tasks = state.withLock { state -> [Task<CallTool.Result, Never>] in
            state.stopping = true
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.value }
    }
}

/// The level the client asked log messages from (`logging/setLevel`); none until it asks.
final class LogThreshold: Sendable {
    private let level = Mutex<LogLevel?>(nil)

    func set(_ newLevel: LogLevel) { level.withLock { $0 = newLevel } }

    /// Whether a message of `asked` goes to the client.
    func allows(_ asked: LogLevel) -> Bool {
        guard let threshold = level.withLock({ $0 }) else { return false }
        let order = LogLevel.allCases
        return (order.firstIndex(of: asked) ?? 0) >= (order.firstIndex(of: threshold) ?? 0)
    }
}

/// The steps of one call, sent in order as progress notifications (when the client gave a
/// progress token) and as log messages (when it asked for them); `finish` returns once the
/// last was sent, so none follows the call's result.
final class StepReporter: Sendable {
    private let continuation: AsyncStream<String>.Continuation
    private let sender: Task<Void, Never>

    init(server: Server, token: ProgressToken?, logLevel: LogThreshold) {
        let (steps, continuation) = AsyncStream.makeStream(of: String.self)
        self.continuation = continuation
        sender = Task {
            var count = 0
            for await step in steps {
                count += 1
                // A notification the client cannot take (it went) changes nothing cilo does or reports.
                if let token {
                    try? await server.notify(ProgressNotification.message(.init(progressToken: token, progress: Double(count), message: step)))
                }
                if logLevel.allows(.info) { try? await server.log(level: .info, logger: "cilo", data: .string(step)) }
            }
        }
    }

    func report(_ step: String) { continuation.yield(step) }

    /// Ends the steps and waits until the last was sent.
    func finish() async {
        continuation.finish()
        await sender.value
    }
}
