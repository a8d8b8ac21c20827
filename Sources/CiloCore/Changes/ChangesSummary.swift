import CiloSystem
import Foundation
import SystemPackage

/// How many files an environment's agent had changed at the last `cilo diff` or `merge`, and
/// when: what `cilo list` shows without comparing every workspace again.
public struct ChangesSummary: Codable, Sendable, Equatable {
    public var changedFiles: Int
    /// ISO 8601.
    public var measuredAt: String
    /// The snapshot's tree the count is of.
    public var tree: String?

    private static let fileName = FileName("summary.json")

    /// The last summary of `env`, nil when it was never compared.
    public static func load(home: CiloHome, project: String, env: String) -> ChangesSummary? {
        guard let directory = try? PathOpening.openDirectory(home.changesDirectory(project: project, env: env).bytes) else { return nil }
        defer { directory.closeIgnoringErrors() }
        guard let bytes = (try? AtomicFile.read(fileName, in: directory)).flatMap({ $0 }) else { return nil }
        return try? JSONDecoder().decode(ChangesSummary.self, from: Data(bytes))
    }

    /// Keeps the count of `changes` for `env`.
    static func keep(_ changes: [ChangeSet.Change], of tree: String?, home: CiloHome, project: String, env: String) throws(CiloError) {
        let summary = ChangesSummary(changedFiles: changes.count, measuredAt: ISO8601DateFormatter().string(from: Date()), tree: tree)
        let path = home.changesDirectory(project: project, env: env)
        let directory = try home.makeDirectory(path)
        defer { directory.closeIgnoringErrors() }
        let data: Data
        do { data = try JSONEncoder().encode(summary) } catch { throw CiloError(.failed, "cannot encode the change count of \(env)") }
        do throws(Errno) { try AtomicFile.write(Array(data), to: fileName, in: directory) } catch {
            throw .system(error, "cannot keep the change count", path: path.display)
        }
    }
}
