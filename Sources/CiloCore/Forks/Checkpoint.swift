import Foundation

/// One kept state of an environment: its workspace's own tree and its volumes, copied at one
/// instant (`cilo checkpoint`), kept in `checkpoints/<project>/<env>/<name>` until removed,
/// pruned or the environment is destroyed.
public struct Checkpoint: Codable, Sendable, Equatable {
    /// Why it exists.
    public enum Kind: String, Codable, Sendable {
        /// `cilo checkpoint`.
        case manual
        /// Taken right after the environment's first successful up: what `cilo reset` returns to.
        case initial
        /// The state a restore replaced (kept unless `--discard`).
        case replaced
    }

    /// The name of the checkpoint `cilo reset` returns to.
    public static let initialName = "initial"

    public var name: String
    public var kind: Kind
    /// ISO 8601.
    public var createdAt: String
    /// How long the environment's services were frozen while it was taken.
    public var pausedSeconds: Double
    /// How the workspace was copied, and each volume.
    public var workspaceStrategy: String
    public var volumes: [VolumeCopy]
    /// Whether the workspace part is an overlay workspace's upper folder.
    public var overlay: Bool
    /// Its exclusive bytes, when measured (`cilo checkpoints`).
    public var exclusiveBytes: Int?

    /// A timestamp name for a checkpoint asked without one: `20261202-141217`.
    public static func timestampName(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }
}
