import CiloSystem

/// What one environment costs on disk: its workspace (an overlay workspace's upper folder; the
/// base is shared), its volumes kept in cilo's home and its checkpoints.
extension DiskUsage {
    /// The folders `record`'s cost is in, those that exist: the workspace's first.
    public static func environmentParts(_ record: EnvironmentRecord, home: CiloHome) throws(CiloError) -> [BytePath] {
        var parts = [home.diskTree(of: record)]
        for folder in [home.volumeFolder(project: record.project, env: record.name), home.checkpointFolder(project: record.project, env: record.name)] {
            if try home.exists(folder) { parts.append(folder) }
        }
        return parts
    }

    /// One report of `record`'s whole cost from the reports of its `environmentParts`, in order.
    public static func environmentReport(_ record: EnvironmentRecord, home: CiloHome, parts: ArraySlice<DiskUsageReport>) -> DiskUsageReport {
        var report = parts.first ?? DiskUsageReport(path: record.workspace, filesystem: "")
        if record.overlayBase != nil { report.measuredFolder = report.path }
        report.path = record.workspace
        for part in parts.dropFirst() {
            report.apparentBytes += part.apparentBytes
            report.allocatedBytes += part.allocatedBytes
            report.exclusiveBytes += part.exclusiveBytes
            report.metadataBytes += part.metadataBytes
            report.sharedBytes += part.sharedBytes
            report.files += part.files
            report.directories += part.directories
            report.symlinks += part.symlinks
            report.unreadable += part.unreadable
            report.seconds += part.seconds
            if part.path == home.volumeFolder(project: record.project, env: record.name).display {
                report.volumeExclusiveBytes = part.exclusiveBytes
            } else {
                report.checkpointExclusiveBytes = part.exclusiveBytes
            }
        }
        return report
    }

    /// `record`'s whole cost, measured on a thread of its own.
    public func measureEnvironment(_ record: EnvironmentRecord, home: CiloHome) async throws(CiloError) -> DiskUsageReport {
        let engine = self
        return try await WorkerThreads.offload { () throws(CiloError) -> DiskUsageReport in
            let parts = try Self.environmentParts(record, home: home)
            return Self.environmentReport(record, home: home, parts: try engine.measure(parts).reports[...])
        }
    }
}
