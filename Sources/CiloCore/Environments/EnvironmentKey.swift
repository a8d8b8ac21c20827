/// One environment's identity across projects: `project/env`.
public struct EnvironmentKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var project: String
    public var env: String

    public init(project: String, env: String) {
        self.project = project
        self.env = env
    }

    public var description: String { "\(project)/\(env)" }

    public static func < (lhs: EnvironmentKey, rhs: EnvironmentKey) -> Bool { (lhs.project, lhs.env) < (rhs.project, rhs.env) }
}
