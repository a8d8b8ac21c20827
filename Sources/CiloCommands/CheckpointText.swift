import CiloCore
import Foundation

/// The human form of checkpoints and restores.
enum CheckpointText {
    /// How a checkpoint's parts were copied.
    static func copies(_ checkpoint: Checkpoint) -> String {
        var lines = ["  frozen       \(checkpoint.pausedSeconds > 0 ? ByteFormatting.duration(checkpoint.pausedSeconds) : "nothing (no service of it ran)")"]
        lines.append("  workspace    \(checkpoint.workspaceStrategy)\(checkpoint.overlay ? " (the overlay's upper folder)" : "")")
        for volume in checkpoint.volumes {
            lines.append("  volume       \(volume.name): \(volume.strategy), \(ByteFormatting.duration(volume.seconds))")
        }
        return lines.joined(separator: "\n")
    }

    /// The checkpoints of an environment as a table.
    static func table(_ checkpoints: [Checkpoint]) -> String {
        var rows = [["NAME", "KIND", "CREATED", "EXCLUSIVE"]]
        for checkpoint in checkpoints {
            rows.append([checkpoint.name, checkpoint.kind.rawValue, checkpoint.createdAt, checkpoint.exclusiveBytes.map(ByteFormatting.iec) ?? "-"])
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.offset == 3 ? $0.element : $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// What a restore did.
    static func restored(_ outcome: RestoreOutcome) -> String {
        let report = outcome.report
        var lines = ["\(outcome.record.project)/\(outcome.record.name) is back at checkpoint \(report.checkpoint) (\(ByteFormatting.duration(report.restoreSeconds)), services \(outcome.started ? "started again" : "not running"))"]
        lines.append("  workspace    \(report.workspaceStrategy)")
        for volume in report.volumes {
            lines.append("  volume       \(volume.name): \(volume.strategy), \(ByteFormatting.duration(volume.seconds))")
        }
        lines.append(report.replacedBy.map { "  replaced     kept as checkpoint \($0) (cilo restore \(outcome.record.name) \($0) returns to it)" }
            ?? "  replaced     discarded")
        return lines.joined(separator: "\n")
    }
}
