import CiloSystem
import Subprocess
import Synchronization

/// How long a tool cilo runs (compose, docker, git) may take before cilo stops it: SIGTERM,
/// then SIGKILL after `gracePeriod`. Generous by default, so only a child that hangs (a compose
/// file that makes compose spin, a FIFO where git expects a file) meets it; `CILO_CHILD_TIMEOUT`
/// (seconds) sets every kind at once.
public struct ChildLimit: Sendable, Equatable {
    /// What the child is, for messages ("compose config").
    public var name: String
    /// The time it may take, before `CILO_CHILD_TIMEOUT` is applied.
    public var defaultSeconds: Double

    public init(_ name: String, seconds: Double) {
        self.name = name
        self.defaultSeconds = seconds
    }

    /// `compose config`: reading and resolving a compose file.
    public static let composeConfig = ChildLimit("compose config", seconds: 300)
    /// `compose up`, `build`, `pull`: image builds can be long.
    public static let composeUp = ChildLimit("compose", seconds: 3600)
    /// A `docker` call.
    public static let docker = ChildLimit("docker", seconds: 600)
    /// A `git` call (a kernel-sized repository's first status included).
    public static let git = ChildLimit("git", seconds: 1800)
    /// Any other tool (ssh, rsync, tar, ip).
    public static let tool = ChildLimit("tool", seconds: 3600)

    /// The limit of a call by its tool and first words.
    static func forCall(_ executable: String, _ arguments: [String]) -> ChildLimit {
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        let compose = name == "docker-compose" || (name == "docker" && arguments.first == "compose")
        if compose { return arguments.contains("config") && !arguments.contains("up") ? .composeConfig : .composeUp }
        switch name {
        case "git": return .git
        case "docker": return .docker
        default: return .tool
        }
    }

    /// The time it may take now.
    public var seconds: Double {
        if let text = HostFacts.environment("CILO_CHILD_TIMEOUT"), let value = Double(text), value > 0 { return value }
        return defaultSeconds
    }

    /// SIGTERM first; SIGKILL when the child has not ended this long after.
    public static let gracePeriod: Duration = .seconds(5)

    /// Swift Subprocess's options that stop a child as above when its task is cancelled. The
    /// child leads a process group of its own and the signals go to the group: `docker compose`
    /// runs the compose plugin as its own child, which a signal to `docker` alone left running.
    static var stopping: PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: gracePeriod)]
        return options
    }
}

/// The moments cilo is told to stop (SIGINT, SIGTERM): every child running then is stopped
/// (`ChildLimit.stopping`) before cilo rolls back. A child started after (a rollback's own
/// `compose down`) runs on: it is part of stopping cleanly.
public final class ChildStops: Sendable {
    /// The one of this process.
    public static let shared = ChildStops()

    private struct State {
        var generation = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelledWaiters: Set<Int> = []
    }

    private let state = Mutex(State())

    /// Counts the stops so far; a child remembers it when it starts.
    var generation: Int { state.withLock { $0.generation } }

    /// Stops every child running now.
    public func stopRunningChildren() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once a stop comes after `generation`, or when the calling task is cancelled.
    func waitForStop(after generation: Int) async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation != generation || state.cancelledWaiters.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelledWaiters.insert(id)
                    return nil
                }
                return waiter
            }
            waiter?.resume()
        }
    }
}
