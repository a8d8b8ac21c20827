import ArgumentParser
import CiloCore
import CiloSystem

extension CiloCommand {
    /// `cilo prune [--older-than DURATION] [--stopped] [--all-projects] [--dry-run] [--json]`.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove environments nobody uses (--stopped, --older-than) and images cilo built that no environment uses.",
            discussion: """
                Environments go only when a filter names them: --stopped (not running: stopped, failed, \
                or created and never started) and --older-than (made longer ago than the duration: \
                90s, 30m, 12h, 7d, 2w); both given, both must hold. Their workspaces go with them. An \
                environment another cilo is working on (a create in flight) is left alone. Images cilo \
                built that no environment records go every time, and their dangling earlier builds.
                """)

        @Option(help: "Remove checkpoints taken longer ago than this (90s, 30m, 12h, 7d, 2w); each environment's initial one stays.")
        var checkpointsOlderThan: String?

        @Option(help: "Remove environments made longer ago than this (90s, 30m, 12h, 7d, 2w).")
        var olderThan: String?

        @Flag(help: "Remove environments that are not running.")
        var stopped = false

        @Flag(help: "Every project of this cilo home, not only the current one.")
        var allProjects = false

        @Flag(help: "Show what would be removed; remove nothing.")
        var dryRun = false

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let olderThan, TimeSpan.seconds(olderThan) == nil {
                throw ValidationError("--older-than takes a duration like 90s, 30m, 12h, 7d or 2w, not '\(olderThan)'")
            }
            if let checkpointsOlderThan, TimeSpan.seconds(checkpointsOlderThan) == nil {
                throw ValidationError("--checkpoints-older-than takes a duration like 90s, 30m, 12h, 7d or 2w, not '\(checkpointsOlderThan)'")
            }
        }

        func run() async throws {
            let report = try await global.perform { () throws(CiloError) -> Pruner.Report in
                var options = Pruner.Options()
                options.olderThan = olderThan.flatMap(TimeSpan.seconds)
                options.stopped = stopped
                options.allProjects = allProjects
                options.dryRun = dryRun
                options.checkpointsOlderThan = checkpointsOlderThan.flatMap(TimeSpan.seconds)
                return try await Pruner(manager: try projectOptions.manager(), options: options).runEverywhere()
            }
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            for warning in report.warnings ?? [] { HostFacts.writeToStandardError("cilo: warning: \(warning)\n") }
            let verb = dryRun ? "would remove" : "removed"
            for entry in report.removed {
                let disk = entry.workspaceBytes.map { ", \(ByteFormatting.iec($0)) exclusive" } ?? ""
                print("\(verb) \(where: entry.engine)\(entry.project)/\(entry.env) (\(entry.reason)\(disk))")
            }
            for entry in report.kept { print("kept \(where: entry.engine)\(entry.project)/\(entry.env): \(entry.reason)") }
            for image in report.images {
                print("\(verb) image \(where: image.engine)\(image.tag ?? "<dangling> " + image.id.prefix(19)) (\(ByteFormatting.iec(image.bytes)))")
            }
            for checkpoint in report.checkpoints {
                print("\(verb) checkpoint \(checkpoint.name) of \(checkpoint.project)/\(checkpoint.env) (taken \(checkpoint.createdAt))")
            }
            if report.removed.isEmpty && report.images.isEmpty && report.checkpoints.isEmpty {
                print(stopped || olderThan != nil || checkpointsOlderThan != nil
                      ? "nothing to remove" : "nothing to remove (environments go only with --stopped or --older-than)")
            }
            if let cache = report.buildCache {
                print("Docker's build cache holds \(cache); cilo cannot tell its own from the rest: docker builder prune removes it")
            }
        }
    }
}

private extension String.StringInterpolation {
    /// `ENGINE:` before what lives on another engine; nothing for this machine's.
    mutating func appendInterpolation(where engine: String?) {
        appendLiteral(engine.map { $0 + ":" } ?? "")
    }
}
