import Dispatch
import Foundation

/// Runs blocking work on dedicated threads, never on Swift's cooperative pool.
enum WorkerThreads {
    /// Runs `body(index)` on `count` new threads and waits for all of them.
    static func run(count: Int, stackSize: Int = 1 << 20, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                body(index)
                group.leave()
            }
            thread.stackSize = stackSize
            thread.start()
        }
        group.wait()
    }

    /// Runs `body` on a new thread and resumes the caller with its result, so async
    /// code can call the synchronous engines without blocking the cooperative pool.
    static func offload<Result: Sendable>(
        _ body: @escaping @Sendable () throws(CiloError) -> Result
    ) async throws(CiloError) -> Result {
        let outcome = await onThread { () -> Swift.Result<Result, CiloError> in
            do throws(CiloError) { return .success(try body()) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    /// `offload` for work that cannot fail.
    static func offload<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await onThread(body)
    }

    private static func onThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}
