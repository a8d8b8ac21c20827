import ArgumentParser
import CiloCore
import CiloSystem
import Foundation

extension CiloCommand {
    /// `cilo stats`: what environments use right now, from cgroup files.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show CPU, memory and PIDs per environment and service, read from cgroup files.")

        @Argument(help: "Environments of the current project (default: all of its running environments).")
        var envs: [String] = []

        @Flag(help: "Every project's environments.") var all = false
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Refresh until interrupted.") var watch = false
        @Flag(help: "Print one reading and exit (the default without --watch).") var noStream = false
        @Option(help: "Seconds between the two readings CPU use is computed from (CPU % is the average over it).") var interval: Double = 0.1
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard interval >= 0.05 && interval <= 60 else { throw ValidationError("--interval must be between 0.05 and 60 seconds") }
            if watch && noStream { throw ValidationError("--watch and --no-stream exclude each other") }
        }

        func run() async throws {
            repeat {
                let stats = try await global.perform { () throws(CiloError) -> [EnvironmentStats] in
                    let manager = try projectOptions.manager()
                    let names = try environmentNames(envs)
                    var engines = Set<String>()
                    for name in names { engines.insert(try RemoteRouting.engine(of: name, manager)?.name ?? Engine.local) }
                    guard engines.count <= 1 else { throw CiloError(.invalidArgument, "name environments of one engine at a time (these are on \(engines.sorted().joined(separator: ", ")))") }
                    if let first = names.first, let remote = try RemoteRouting.engine(of: first, manager) {
                        try RemoteRouting.forward(to: remote, project: manager.project.name)
                    }
                    for name in names { _ = try manager.record(name) }
                    var stats = try await StatsCollector.collect(
                        project: all ? nil : manager.project.name, envs: names.isEmpty ? nil : Set(names), interval: interval,
                        engine: manager.engine)
                    // Every engine holding environments of the project (or any, with --all): its own reading.
                    guard names.isEmpty else { return stats }
                    let registry = EngineRegistry(home: manager.home)
                    for name in Set(try registry.placements(project: all ? nil : manager.project.name).map(\.engine)).sorted() {
                        do throws(CiloError) {
                            stats += try await RemoteEngine(engine: try registry.engine(name)).stats(project: all ? nil : manager.project.name)
                        } catch {
                            HostFacts.writeToStandardError("cilo: warning: \(error.description)\n")
                        }
                    }
                    return stats
                }
                if json {
                    print(try JSONOutput.encode(stats))
                } else {
                    if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                    print(StatsText.render(stats))
                }
            } while watch
        }
    }
}

enum StatsText {
    static func render(_ stats: [EnvironmentStats]) -> String {
        guard !stats.isEmpty else { return "no running environments" }
        var rows = [["ENV", "SERVICE", "CPU %", "MEMORY / LIMIT", "PEAK", "PIDS", "OOM KILLS"]]
        var cpu = 0.0
        var memory = 0
        var pids = 0
        for environment in stats {
            for service in environment.services {
                let limit = service.memoryLimitBytes.map { " / " + ByteFormatting.iec($0) } ?? " / -"
                rows.append(["\(environment.project)/\(environment.env)", service.service, percent(service.cpuPercent),
                             ByteFormatting.iec(service.memoryBytes) + limit, service.memoryPeakBytes.map { ByteFormatting.iec($0) } ?? "-",
                             "\(service.pids)", service.oomKills.map(String.init) ?? "-"])
            }
            rows.append(["\(environment.project)/\(environment.env)", "(all)", percent(environment.cpuPercent),
                         ByteFormatting.iec(environment.memoryBytes), "", "\(environment.pids)", ""])
            cpu += environment.cpuPercent
            memory += environment.memoryBytes
            pids += environment.pids
        }
        rows.append(["total", "\(stats.count) environments", percent(cpu), ByteFormatting.iec(memory), "", "\(pids)", ""])
        return Table.render(rows, rightAligned: [2, 3, 4, 5, 6])
    }

    static func percent(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
