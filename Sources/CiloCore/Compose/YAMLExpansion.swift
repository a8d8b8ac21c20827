import Yams

/// The size of a YAML document once its aliases are expanded. An alias repeats the node it
/// names, so a file of a few lines (the "billion laughs") stands for billions of nodes: compose
/// spins on it for as long as it is let. cilo composes the file itself (aliases stay shared,
/// so that is cheap) and counts the expanded nodes, stopping at `limit`.
enum YAMLExpansion {
    /// More nodes than any compose file or cilo config a person writes (a large one has ~10,000).
    static let limit = 250_000

    /// Whether `root`, expanded, has more than `limit` nodes.
    static func exceedsLimit(_ root: Node, limit: Int = limit) -> Bool {
        var budget = limit
        return !count(root, budget: &budget)
    }

    /// Counts `node` and what it holds against `budget`; false once the budget is spent.
    private static func count(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .mapping(let mapping):
            for (key, value) in mapping where !count(key, budget: &budget) || !count(value, budget: &budget) { return false }
            return true
        case .sequence(let sequence):
            for element in sequence where !count(element, budget: &budget) { return false }
            return true
        }
    }
}
