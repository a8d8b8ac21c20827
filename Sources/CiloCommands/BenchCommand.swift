import ArgumentParser
import CiloCore
import CiloSystem
import Foundation

extension CiloCommand {
    /// `cilo bench`: what an environment of this project really costs, and how many fit.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure what environments of this project cost (time, disk, memory, CPU) and how many this machine fits.",
            discussion: "All bench environments are destroyed at the end, also after a failure or Ctrl-C, unless --keep.")

        @Option(help: "Benchmark this folder instead of the project's root.") var from: String?
        @Option(help: "Environments per strategy.") var envs = 5
        @Option(help: "Clone strategies to compare, comma separated (auto, overlay, copy, copy-range, reflink, snapshot).")
        var strategies = "auto,copy"
        @Flag(help: "Make each strategy's environments all at once.") var parallel = false
        @Flag(help: "Measure the workspace only: no containers (works without Docker).") var noStack = false
        @Flag(help: "Print every figure as JSON.") var json = false
        @Option(help: "Also write a self-contained HTML page with charts to this file.") var report: String?
        @Flag(help: "Keep the bench environments.") var keep = false
        @Flag(help: "Run even when the capacity plan says the machine cannot fit --envs.") var force = false
        @Option(help: "Seconds of memory and CPU sampling once the environments run.") var sample: Double = 3
        @Option(help: "Environments made by forking the first one, measured against those made from the project (0: none).") var forks = 3
        @OptionGroup var sharing: SharingOptions
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard envs >= 1 else { throw ValidationError("--envs must be at least 1, not \(envs)") }
            guard sample >= 0.1 && sample <= 120 else { throw ValidationError("--sample must be between 0.1 and 120 seconds") }
            guard forks >= 0 && forks <= 100 else { throw ValidationError("--forks must be between 0 and 100, not \(forks)") }
            _ = try parsedStrategies()
        }

        func parsedStrategies() throws -> [CloneStrategy] {
            let names = strategies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !names.isEmpty else { throw ValidationError("--strategies needs at least one strategy") }
            return try names.map { name in
                guard let strategy = CloneStrategy(rawValue: name) else {
                    throw ValidationError("unknown strategy '\(name)' in --strategies: use auto, snapshot, overlay, reflink, copy-range or copy")
                }
                return strategy
            }
        }

        func run() async throws {
            let chosen = try parsedStrategies()
            let result = try await global.perform { () throws(CiloError) -> BenchResult in
                if let report { try Self.checkWritable(report) }
                let manager = try projectOptions.manager(from: from)
                var options = BenchRunner.Options()
                options.source = from
                options.environments = envs
                options.strategies = chosen
                options.parallel = parallel
                options.stack = !noStack
                options.keep = keep
                options.force = force
                options.sampleSeconds = sample
                options.forks = forks
                options.sharing = try sharing.choice()
                let showProgress = HostFacts.isTerminal(2)
                options.progress = { phase in
                    HostFacts.writeToStandardError(showProgress ? "\r\u{1B}[K  \(phase)" : "cilo bench: \(phase)\n")
                }
                let result = try await InterruptHandler.cancelling(options.cancellation) { () throws(CiloError) in
                    try await BenchRunner(manager: manager, options: options).run()
                }
                if showProgress { HostFacts.writeToStandardError("\r\u{1B}[K") }
                // Admission's count limit and memory need when the project sets none.
                if result.stack, result.source == manager.project.root || from == nil {
                    let containers = result.strategies.first?.environments.first?.containers ?? 0
                    try SavedPlan(plan: result.plan, containersPerEnvironment: containers).save(home: manager.home, project: manager.project.name)
                }
                if let report {
                    do { try BenchReportHTML.render(result).write(toFile: report, atomically: true, encoding: .utf8) } catch {
                        throw CiloError(.failed, "cannot write the report", path: report)
                    }
                }
                return result
            }
            print(json ? try JSONOutput.encode(result) : BenchText.render(result))
            if let report, !json { print("report: \(report)") }
        }

        /// Fails before any environment is made when the report cannot be written.
        static func checkWritable(_ path: String) throws(CiloError) {
            let existed = FileManager.default.fileExists(atPath: path)
            guard FileManager.default.createFile(atPath: path, contents: existed ? FileManager.default.contents(atPath: path) : Data()) else {
                throw CiloError(.permissionDenied, "cannot write the report", path: path)
            }
            if !existed { try? FileManager.default.removeItem(atPath: path) }
        }
    }
}
