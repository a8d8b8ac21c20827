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
        let outcome: Swift.Result<Result, CiloError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(CiloError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        return try outcome.get()
    }
}
