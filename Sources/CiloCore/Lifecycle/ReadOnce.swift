import Synchronization

/// What one user action reads from the home once and every capability then shares: cilo's
/// settings, asked by the workspace's tokens, the render, the names and `cilo run`'s variables.
final class ReadOnce: Sendable {
    private let settings = Mutex<Result<CiloSettings?, CiloError>?>(nil)

    /// cilo's settings, read on first use.
    func settings(of home: CiloHome) -> Result<CiloSettings?, CiloError> {
        settings.withLock { cached in
            if let cached { return cached }
            let read: Result<CiloSettings?, CiloError>
            do throws(CiloError) { read = .success(try CiloSettings.load(from: home)) } catch { read = .failure(error) }
            cached = read
            return read
        }
    }
}
