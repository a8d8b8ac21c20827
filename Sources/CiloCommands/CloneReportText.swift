import CiloCore

/// The human form of a `CloneReport`.
enum CloneReportText {
    static func render(_ report: CloneReport) -> String {
        if let overlay = report.overlay { return render(overlay, of: report) }
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

    /// An overlay workspace: the base it shares (cloned now, or reused) and where the time went.
    private static func render(_ overlay: CloneReport.Overlay, of report: CloneReport) -> String {
        var lines = ["overlay \(report.destination) on base \(overlay.base) of \(report.source)"]
        if overlay.baseMade {
            var made = report
            made.overlay = nil
            made.strategy = overlay.baseStrategy
            lines.append("  base         cloned now (the first environment of this project state):")
            lines += render(made).split(separator: "\n").dropFirst().map { "  " + $0 }
        } else {
            lines.append("  base         shared: the project is unchanged since it was cloned")
        }
        lines.append("  time         \(ByteFormatting.duration(report.seconds)) (unchanged check \(ByteFormatting.duration(overlay.checkSeconds)), "
            + "mount \(ByteFormatting.duration(overlay.mountSeconds)))")
        return lines.joined(separator: "\n")
    }
}
