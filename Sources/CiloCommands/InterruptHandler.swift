#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import Dispatch

/// Turns SIGINT and SIGTERM into a call of `onInterrupt` (so a clone can clean up)
/// instead of killing the process, until `restore()`. Every child tool running then (compose,
/// docker, git) is stopped first: SIGTERM sent to cilo alone never reaches them otherwise.
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(onInterrupt: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "cilo.signals")
        sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                ChildStops.shared.stopRunningChildren()
                onInterrupt()
            }
            source.resume()
            return source
        }
    }

    /// Restores the default signal dispositions.
    func restore() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

extension InterruptHandler {
    /// Runs `body` with SIGINT and SIGTERM raising `flag` instead of killing cilo, so what
    /// `body` was making is rolled back; the default dispositions are back afterwards (before
    /// any exec). A Ctrl-C reaches the whole process group, so a child (compose) may fail of
    /// it first: any failure after a signal is reported as cancelled (exit 130).
    static func cancelling<Result>(
        _ flag: CancellationFlag, _ body: () async throws(CiloError) -> Result
    ) async throws(CiloError) -> Result {
        let handler = InterruptHandler { flag.cancel() }
        defer { handler.restore() }
        do throws(CiloError) {
            return try await body()
        } catch {
            if flag.isCancelled && error.code != .cancelled { throw CiloError(.cancelled, "cancelled", cause: error) }
            throw error
        }
    }
}
