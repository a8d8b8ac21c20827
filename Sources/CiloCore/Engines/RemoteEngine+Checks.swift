import Foundation

/// `cilo doctor` and `cilo stats` across engines: each engine's own cilo answers.
extension RemoteEngine {
    /// One finding as the engine's `cilo doctor --json` prints it.
    private struct RemoteFinding: Decodable {
        var severity: String
        var check: String
        var subject: String
        var message: String
        var fix: String?
        var fixed: Bool?
        var fixError: String?
    }

    private struct RemoteReport: Decodable { var findings: [RemoteFinding] }

    /// The engine's doctor (with `fix`, its repairs), each finding's subject prefixed with the
    /// engine's name; an engine that does not answer is one problem naming it.
    public func doctor(fix: Bool) async -> [DoctorFinding] {
        do throws(CiloError) {
            let facts = try await prepare()
            let result = try await cilo(["doctor", "--json"] + (fix ? ["--fix"] : []), project: nil)
            let report: RemoteReport
            do { report = try JSONDecoder().decode(RemoteReport.self, from: Data(result.output.utf8)) } catch {
                throw CiloError(.failed, "engine \(engine.name): cannot read its cilo doctor (\(result.tail(1)))")
            }
            var findings = [DoctorFinding(.ok, "engine", engine.name, "answers over ssh: \(facts.architecture), Docker \(facts.docker ?? "?"), Compose \(facts.compose ?? "?")")]
            for remote in report.findings {
                let severity = DoctorFinding.Severity(rawValue: remote.severity) ?? .problem
                var message = remote.message
                if let fix = remote.fix, remote.fixed == nil { message += " [cilo doctor --fix will \(fix) there]" }
                var finding = DoctorFinding(severity, remote.check, "\(engine.name): \(remote.subject)", message)
                if remote.fixed == true { finding.message += " [fixed there: \(remote.fix ?? "")]" }
                if remote.fixed == false { finding.message += " [fix failed there: \(remote.fixError ?? "unknown")]" }
                finding.fixed = nil
                if remote.fixed == true { finding.severity = .ok }
                findings.append(finding)
            }
            return findings
        } catch {
            return [DoctorFinding(.problem, "engine", engine.name, error.description)]
        }
    }

    /// The engine's `cilo stats` of `project` (all projects when nil), projects named `ENGINE:PROJECT`.
    public func stats(project: String?) async throws(CiloError) -> [EnvironmentStats] {
        let result = try await cilo(["stats", "--json"] + (project == nil ? ["--all"] : []), project: project)
        guard result.succeeded else { throw CiloError(.failed, "engine \(engine.name): cilo stats failed there: \(result.tail(1))") }
        do {
            return try JSONDecoder().decode([EnvironmentStats].self, from: Data(result.output.utf8)).map { stats in
                var named = stats
                named.project = "\(engine.name):\(stats.project)"
                return named
            }
        } catch {
            throw CiloError(.failed, "engine \(engine.name): cannot read its cilo stats", cause: ErrorText(error))
        }
    }
}
