import CiloSystem
import Foundation

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
        FigureFile.load(ChangesSummary.self, fileName, in: home.changesDirectory(project: project, env: env))
    }

    /// Keeps the count of `changes` (of the snapshot `tree`, nil without git) for `env`.
    static func keep(_ changes: [ChangeSet.Change], of tree: String?, home: CiloHome, project: String, env: String) throws(CiloError) {
        let summary = ChangesSummary(changedFiles: changes.count, measuredAt: ISO8601DateFormatter().string(from: Date()), tree: tree)
        try FigureFile.save(summary, fileName, in: home.changesDirectory(project: project, env: env), home: home)
    }
}
