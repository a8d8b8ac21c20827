import CiloCore

/// The human form of a `CloneReport`.
enum CloneReportText {
    static func render(_ report: CloneReport) -> String {
        var lines = ["cloned \(report.source) -> \(report.destination)"]
        lines.append("  strategy     \(report.strategy)" + (report.strategy == "snapshot" ? "" : " (\(report.jobs) jobs)"))
        guard let files = report.files else {
            lines.append("  entries      not counted: a snapshot shares the whole subvolume at once")
            lines.append("  time         \(ByteFormatting.duration(report.seconds))")
            return lines.joined(separator: "\n")
        }
        let g = ByteFormatting.grouped
        lines.append("  entries      \(g(files)) files, \(g(report.directories ?? 0)) directories, "
            + "\(g(report.symlinks ?? 0)) symlinks, \(g(report.hardlinks ?? 0)) hard links, \(g(report.fifos ?? 0)) FIFOs")
        lines.append("  data         \(ByteFormatting.iec(report.bytes ?? 0)): \(g(report.cloned ?? 0)) reflinked, "
            + "\(g(report.rangeCopied ?? 0)) copy_file_range, \(g(report.copied ?? 0)) read/write")
        if let excluded = report.excluded, excluded > 0 {
            lines.append("  excluded     \(g(excluded)) entries")
        }
        if !report.skippedPaths.isEmpty {
            let shown = report.skippedPaths.prefix(10).joined(separator: ", ")
            let more = report.skippedPaths.count > 10 ? ", ..." : ""
            lines.append("  skipped      \(report.skippedPaths.count) sockets/devices: \(shown)\(more)")
        }
        for warning in report.warnings.prefix(10) {
            lines.append("  warning      \(warning)")
        }
        lines.append("  time         \(ByteFormatting.duration(report.seconds))")
        return lines.joined(separator: "\n")
    }
}
