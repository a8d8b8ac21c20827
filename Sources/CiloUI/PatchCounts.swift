import Foundation

/// The lines a unified diff (`git diff`) adds and removes, per file (the new path).
enum PatchCounts {
    static func perFile(_ patch: String) -> [String: (added: Int, removed: Int)] {
        var counts: [String: (added: Int, removed: Int)] = [:]
        var current: String?
        var inHunk = false
        for line in patch.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("diff --git ") {
                // "diff --git a/OLD b/NEW": the new path, after the last " b/".
                current = line.range(of: " b/", options: .backwards).map { String(line[$0.upperBound...]) }
                if let current { counts[current] = counts[current] ?? (0, 0) }
                inHunk = false
            } else if line.hasPrefix("@@") {
                inHunk = true
            } else if inHunk, let path = current {
                if line.hasPrefix("+") { counts[path]?.added += 1 } else if line.hasPrefix("-") { counts[path]?.removed += 1 }
            }
        }
        return counts
    }
}
