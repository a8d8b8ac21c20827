import ArgumentParser
import CiloCore
import Foundation

extension CiloCommand {
    /// `cilo doctor [--fix] [--json]`.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check Docker, Compose, cilo's home, state, leftovers and DNS; --fix repairs what it safely can.",
            discussion: """
                Looks at every project of this cilo home ($CILO_HOME, default ~/.cilo). Leftovers are \
                containers, networks and volumes labelled as this home's, and workspace or generated \
                folders, that no environment owns. --fix removes those Docker objects and generated \
                folders (never a workspace: it may hold unsaved work), finishes removing interrupted \
                creates, records the status Docker reports, sets damaged state files aside and restarts \
                or resyncs DNS; an environment another cilo is working on is left alone. Exit status: 0 \
                when no problem remains (warnings allowed), 1 otherwise.
                """)

        @Flag(help: "Repair what can be repaired, then report what was done.")
        var fix = false

        @Flag(help: "Print JSON: {\"findings\": [...], \"problems\": N, \"warnings\": N}.")
        var json = false

        @OptionGroup var global: GlobalOptions

        struct Report: Encodable {
            var findings: [DoctorFinding]
            var problems: Int
            var warnings: Int
        }

        func run() async throws {
            let doctor = CiloCore.Doctor()
            var findings = await doctor.examine()
            if fix { findings = await doctor.repair(findings) }
            // Every engine's own doctor, after this machine's.
            let engines: [Engine]
            do throws(CiloError) { engines = try EngineRegistry(home: .fromEnvironment()).engines() } catch {
                engines = []
                findings.append(DoctorFinding(.problem, "engine", "engines", error.description))
            }
            for engine in engines { findings += await RemoteEngine(engine: engine).doctor(fix: fix) }
            let remaining = findings.filter { $0.fixed != true }
            let report = Report(
                findings: findings, problems: remaining.filter { $0.severity == .problem }.count,
                warnings: remaining.filter { $0.severity == .warning }.count)
            print(json ? try JSONOutput.encode(report) : DoctorText.render(report, fixing: fix))
            if report.problems > 0 { throw ExitCode.failure }
        }
    }
}

/// The human form of a doctor report: one line per finding, then a summary.
enum DoctorText {
    static func render(_ report: CiloCommand.Doctor.Report, fixing: Bool) -> String {
        var rows: [[String]] = []
        for finding in report.findings {
            var message = finding.message
            if let fix = finding.fix {
                switch finding.fixed {
                case true?: message += " [fixed: \(fix.description)]"
                case false?: message += " [fix failed: \(finding.fixError ?? "unknown")]"
                case nil: message += " [--fix will \(fix.description)]"
                }
            }
            rows.append([finding.fixed == true ? "fixed" : finding.severity.rawValue, finding.check, finding.subject, message])
        }
        let fixable = report.findings.filter { $0.fix != nil && $0.fixed == nil }.count
        var summary = report.problems == 0 && report.warnings == 0
            ? "no problems" : "\(report.problems) problem\(report.problems == 1 ? "" : "s"), \(report.warnings) warning\(report.warnings == 1 ? "" : "s")"
        if !fixing && fixable > 0 { summary += "; cilo doctor --fix repairs \(fixable) of them" }
        return Table.render(rows) + "\n" + summary
    }
}
