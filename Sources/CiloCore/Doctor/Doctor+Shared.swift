import Foundation

/// The shared-services check of `cilo doctor`.
extension Doctor {
    /// Every shared service of the home: who uses it, one nobody uses (stopped by `--fix`), and
    /// those of a project that has no environment left (removed by `--fix`).
    func checkShared(_ records: [EnvironmentRecord]) async -> [DoctorFinding] {
        let summaries: [SharedServiceSummary]
        do throws(CiloError) { summaries = try await SharedServiceSummary.read(projects: nil, of: SharedServices(home: home, engine: engine)) } catch {
            return [DoctorFinding(.problem, "shared", home.root.display, "cannot read the shared services: \(error.description)")]
        }
        var findings: [DoctorFinding] = []
        var abandoned = Set<String>()
        for summary in summaries {
            let subject = "\(summary.project)/\(summary.service) (shared)"
            if !records.contains(where: { $0.project == summary.project }) {
                if summary.containerID != nil && abandoned.insert(summary.project).inserted {
                    findings.append(DoctorFinding(
                        .problem, "shared", "\(summary.project) (shared)",
                        "shared services of a project with no environment left (\(summary.status))",
                        fix: .removeSharedServices(project: summary.project)))
                }
            } else if !summary.usedBy.isEmpty {
                findings.append(DoctorFinding(.ok, "shared", subject, "\(summary.status), used by \(summary.usedBy.joined(separator: ", "))"))
            } else if summary.isRunning {
                let due = summary.stopsAt.flatMap { ISO8601DateFormatter().date(from: $0) }
                let when = due.map { $0 > Date() ? "it stops in \(Int($0.timeIntervalSinceNow.rounded(.up))) s (shared_grace)" : "its grace time is over" }
                findings.append(DoctorFinding(
                    .warning, "shared", subject, "runs but no environment uses it; \(when ?? "nothing will stop it")",
                    fix: .stopSharedService(project: summary.project, service: summary.service)))
            }
        }
        return findings
    }
}
