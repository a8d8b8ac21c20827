import Synchronization

/// What one user action reads once and every capability then shares: cilo's settings (asked by
/// the workspace's tokens, the render, the names and `cilo run`'s variables) and the project's
/// env files in a folder (the render's interpolation and compose up's).
final class ReadOnce: Sendable {
    private let settings = Mutex<Result<CiloSettings?, CiloError>?>(nil)
    private let envFiles = Mutex<[String: [String: String]]>([:])

    /// The variables of `files` in `folder` (`EnvFile.variables`), read on first use.
    func envFileVariables(_ files: [String], in folder: String, shell: [String: String]) throws(CiloError) -> [String: String] {
        let key = folder + "\u{0}" + files.joined(separator: "\u{0}")
        if let known = envFiles.withLock({ $0[key] }) { return known }
        let read = try EnvFile.variables(files, workspace: folder, shell: shell)
        envFiles.withLock { $0[key] = read }
        return read
    }

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
