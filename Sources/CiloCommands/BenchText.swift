import CiloCore
import Foundation

/// The human report of `cilo bench`.
enum BenchText {
    static func render(_ result: BenchResult) -> String {
        var out: [String] = []
        out.append("cilo bench: \(result.project), \(result.environmentsPerStrategy) environments per strategy, "
            + "\(result.parallel ? "in parallel" : "one after another"), on \(result.filesystem)")
        out.append("source \(result.source): \(ByteFormatting.iec(result.sourceApparentBytes)) apparent, "
            + "\(ByteFormatting.iec(result.sourceAllocatedBytes)) allocated (what a full copy costs)")
        out.append("")
        var rows = [["STRATEGY", "ENV", "CLONE", "CLONE S", "UP S", "EXCLUSIVE", "STATFS DROP", "IMAGES", "MEMORY", "HOST MEMORY", "CPU %", "CONTAINERS"]]
        for strategy in result.strategies {
            for environment in strategy.environments {
                rows.append([strategy.strategy, environment.name, environment.cloneStrategy, seconds(environment.cloneSeconds),
                             environment.upSeconds.map(seconds) ?? "-", ByteFormatting.iec(environment.exclusiveBytes),
                             ByteFormatting.iec(environment.statfsDropBytes), environment.imageBytes.map { ByteFormatting.iec($0) } ?? "-",
                             environment.memoryBytes.map { ByteFormatting.iec($0) } ?? "-",
                             environment.hostMemoryBytes.map { ByteFormatting.iec($0) } ?? "-",
                             environment.cpuPercent.map(StatsText.percent) ?? "-", "\(environment.containers)"])
            }
        }
        out.append(Table.render(rows, rightAligned: Set(3..<12)))
        out.append("MEMORY is what the containers' cgroups hold; HOST MEMORY what the machine's MemAvailable lost per "
            + "environment (shims, network namespaces, kernel memory too). The plan counts the larger, or the declared limits.")
        out.append("")
        var compare = [["STRATEGY", "MEAN CLONE S", "MEAN UP S", "MEAN DISK/ENV", "DISK FOR N", "WALL S FOR N"]]
        for strategy in result.strategies {
            compare.append([strategy.strategy, seconds(strategy.meanCloneSeconds), strategy.meanUpSeconds.map(seconds) ?? "-",
                            ByteFormatting.iec(Int(strategy.meanDiskBytes)),
                            ByteFormatting.iec(strategy.cumulative.last.map { max($0.exclusiveBytes, $0.statfsDropBytes) } ?? 0),
                            seconds(strategy.wallSeconds)])
        }
        out.append("copy-on-write against a full copy, side by side:")
        out.append(Table.render(compare, rightAligned: Set(1..<6)))
        out.append("")
        out.append("how the cost grows from 1 to \(result.environmentsPerStrategy) environments (cumulative disk, time):")
        var growth = [["N"] + result.strategies.map(\.strategy)]
        for index in 0..<result.environmentsPerStrategy {
            growth.append(["\(index + 1)"] + result.strategies.map { strategy in
                guard index < strategy.cumulative.count else { return "-" }
                let point = strategy.cumulative[index]
                return "\(ByteFormatting.iec(max(point.exclusiveBytes, point.statfsDropBytes))), \(seconds(point.seconds)) s"
            })
        }
        out.append(Table.render(growth, rightAligned: Set(1..<(result.strategies.count + 1))))
        if let forks = result.forks { out += fork(forks) }
        out.append("")
        out.append("capacity plan (\(result.plan.strategy)): MIN over the resources of available / per environment")
        var plan = [["RESOURCE", "AVAILABLE", "PER ENV", "FITS"]]
        for limit in result.plan.limits {
            let available: String, per: String
            switch limit.resource {
            case "cpu": (available, per) = ("\(Int(limit.available)) CPUs", StatsText.percent(limit.perEnvironment * 100) + " % of a CPU")
            case "subnets": (available, per) = ("\(Int(limit.available)) free /24s", "1")
            default: (available, per) = (ByteFormatting.iec(Int(limit.available)), ByteFormatting.iec(Int(limit.perEnvironment)))
            }
            plan.append([limit.resource, available, limit.environments == nil ? "not measured" : per,
                         limit.environments.map { ByteFormatting.grouped($0) } ?? "-"])
        }
        out.append(Table.render(plan, rightAligned: [1, 2, 3]))
        if let shared = result.plan.sharedMemoryBytes, let alone = result.plan.fitsWithoutSharing {
            let names = result.strategies.first?.sharedServices?.sorted().joined(separator: ", ") ?? "shared services"
            out.append("shared (\(names)): \(ByteFormatting.iec(shared)) of memory, counted once and taken from what is available; "
                + "each environment running its own copy would need \(ByteFormatting.iec(shared)) more: \(alone) instead of \(result.plan.fits) would fit"
                + (result.plan.memoryFitsShared.flatMap { shared in
                    result.plan.memoryFitsWithoutSharing.map { " (memory alone: \($0) instead of \(shared))" } } ?? ""))
        }
        out.append(result.plan.summary)
        return out.joined(separator: "\n")
    }

    /// The fork pass: each fork, and forks against environments made from the project.
    static func fork(_ forks: BenchForkResult) -> [String] {
        var out = ["", "made by fork of \(forks.from) (its state copied, its services frozen meanwhile) against made from the project:"]
        var rows = [["ENV", "FORK S", "FROZEN S", "TO READY S", "EXCLUSIVE", "WORKSPACE", "VOLUMES"]]
        for fork in forks.forks {
            rows.append([fork.name, seconds(fork.forkSeconds), seconds(fork.pausedSeconds), seconds(fork.totalSeconds),
                         ByteFormatting.iec(fork.exclusiveBytes), fork.workspaceStrategy, fork.volumeStrategies.joined(separator: ", ")])
        }
        out.append(Table.render(rows, rightAligned: Set(1..<5)))
        let speed = forks.meanTotalSeconds > 0 ? forks.fromScratchSeconds / forks.meanTotalSeconds : 0
        out.append("from the project: \(seconds(forks.fromScratchSeconds)) s and \(ByteFormatting.iec(Int(forks.fromScratchBytes))) per environment; "
            + "by fork: \(seconds(forks.meanTotalSeconds)) s and \(ByteFormatting.iec(Int(forks.meanExclusiveBytes))) (\(String(format: "%.1f", speed))x as fast)")
        return out
    }

    static func seconds(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
