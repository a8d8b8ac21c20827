import Foundation

/// `cilo prune` across engines.
extension RemoteEngine {
    /// The engine's own `cilo prune --json` with the same options, of `project` (every project
    /// of its home when nil); what it names carries the engine's name.
    public func prune(_ options: Pruner.Options, project: String?) async throws(CiloError) -> Pruner.Report {
        var arguments = ["prune", "--json"]
        if options.stopped { arguments.append("--stopped") }
        if let olderThan = options.olderThan { arguments += ["--older-than", "\(Int(olderThan.rounded(.up)))s"] }
        if options.dryRun { arguments.append("--dry-run") }
        if project == nil { arguments.append("--all-projects") }
        let result = try await cilo(arguments, project: project)
        guard result.succeeded else { throw CiloError(.failed, "engine \(engine.name): cilo prune failed there: \(result.tail(1))") }
        var report: Pruner.Report
        do { report = try JSONDecoder().decode(Pruner.Report.self, from: Data(result.output.utf8)) } catch {
            throw CiloError(.failed, "engine \(engine.name): cannot read its cilo prune", cause: ErrorText(error))
        }
        for index in report.removed.indices { report.removed[index].engine = engine.name }
        for index in report.kept.indices { report.kept[index].engine = engine.name }
        for index in report.images.indices { report.images[index].engine = engine.name }
        report.buildCache = nil
        return report
    }
}

extension Pruner {
    /// `run` here, then on every engine holding environments of the project (every engine, with
    /// `allProjects`), all at once: their reports joined, and each environment removed there
    /// forgotten here.
    /// An engine that does not answer is a warning; its environments stay.
    public func runEverywhere() async throws(CiloError) -> Report {
        var report = try await run()
        let registry = EngineRegistry(home: manager.home)
        let scope = options.allProjects ? nil : manager.project.name
        var warnings: [String] = []
        var engines = try registry.engines()
        if !options.allProjects {
            let holding = try registry.enginesHoldingPlacements(project: scope)
            engines = holding.engines
            warnings = holding.unknown.values.map(\.description).sorted()
        }
        let options = self.options
        let answers = await RemoteEngine.askingEach(engines) { remote throws(CiloError) in try await remote.prune(options, project: scope) }
        for answer in answers {
            switch answer {
            case .success(let there):
                if !options.dryRun {
                    for gone in there.removed { try registry.forget(project: gone.project, env: gone.env) }
                }
                report.removed += there.removed
                report.kept += there.kept
                report.images += there.images
            case .failure(let error):
                warnings.append("\(error.description): nothing of it was pruned")
            }
        }
        report.warnings = warnings.isEmpty ? nil : warnings
        return report
    }
}
