import CiloCore

/// The table `cilo du` prints.
enum DiskUsageText {
    static func render(_ measurement: DiskUsage.Measurement, rawBytes: Bool) -> String {
        let size: (Int) -> String = rawBytes ? { "\($0)" } : { ByteFormatting.iec($0) }
        var rows: [[String]] = [["PATH", "FS", "APPARENT", "ALLOCATED", "EXCLUSIVE", "SHARED", "SAVED", "FILES"]]
        var reports = measurement.reports
        if reports.count > 1 { reports.append(measurement.total) }
        for report in reports {
            rows.append([
                report.path, report.filesystem, size(report.apparentBytes), size(report.allocatedBytes),
                size(report.exclusiveBytes), size(report.sharedBytes), percent(report.savedFraction),
                ByteFormatting.grouped(report.files),
            ])
        }
        var text = Table.render(rows, rightAligned: Set(2..<8))
        for report in measurement.reports where report.measuredFolder != nil {
            text += "\n\(report.path): an overlay workspace; measured its upper folder (what it wrote), its base is shared"
        }
        for report in measurement.reports where report.volumeExclusiveBytes != nil || report.checkpointExclusiveBytes != nil {
            let parts = [("volumes", report.volumeExclusiveBytes), ("checkpoints", report.checkpointExclusiveBytes)]
                .compactMap { name, bytes in bytes.map { "its \(name) \(ByteFormatting.iec($0))" } }
            text += "\n\(report.path): counted with \(parts.joined(separator: " and ")) exclusive"
        }
        return text
    }

    private static func percent(_ fraction: Double) -> String {
        let tenths = Int((fraction * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

/// Plain aligned text tables.
enum Table {
    /// Pads every column to its widest cell; columns in `rightAligned` are right-aligned.
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
