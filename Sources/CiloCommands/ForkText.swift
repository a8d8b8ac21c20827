import CiloCore

/// The human and JSON forms of a `ForkReport`.
enum ForkText {
    static func render(_ report: ForkReport) -> String {
        var lines = ["forked from \(report.from) in \(ByteFormatting.duration(report.forkSeconds))"]
        lines.append("  frozen       \(report.pausedSeconds > 0 ? ByteFormatting.duration(report.pausedSeconds) : "nothing (no service of it ran)")")
        lines.append("  workspace    \(report.workspaceStrategy), \(ByteFormatting.duration(report.workspaceSeconds))")
        for volume in report.volumes {
            let size = volume.bytes.map { ", \(ByteFormatting.iec($0))" } ?? ""
            lines.append("  volume       \(volume.name): \(volume.strategy), \(ByteFormatting.duration(volume.seconds))\(size)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `--json` of a fork: the new environment's record and what the fork did.
struct ForkOutput: Encodable {
    var environment: EnvironmentRecord
    var fork: ForkReport
}
