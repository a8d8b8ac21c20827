import Benchmark
import CiloCore
import Foundation

/// Clone benchmarks: `CloneEngine` per strategy against `cp -a` on the same tree, in
/// the same run, so the figures compare as ratios rather than absolute times.
/// The tree lives under $CILO_BENCH_DIR (default /tmp): point it at a btrfs or XFS
/// mount to measure reflinks. `scripts/bench-clone` does the full-size comparison.
let benchmarks: @Sendable () -> Void = {
    let root = (ProcessInfo.processInfo.environment["CILO_BENCH_DIR"] ?? "/tmp") + "/cilo-benchmark-\(getpid())"
    let source = root + "/tree"

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuSystem, .syscalls],
        maxDuration: .seconds(10),
        maxIterations: 20
    )

    func makeTree() throws {
        try? FileManager.default.removeItem(atPath: root)
        var generator = SplitMix(seed: 42)
        for directory in 0..<100 {
            let path = "\(source)/d\(directory / 10)/d\(directory)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for file in 0..<40 {
                let size = Int(generator.next() % 16_384)
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ file) }
                try Data(bytes).write(to: URL(fileURLWithPath: "\(path)/f\(file)"))
            }
        }
    }

    func clone(_ strategy: CloneStrategy, _ benchmark: Benchmark) throws {
        for iteration in benchmark.scaledIterations {
            let destination = "\(root)/\(strategy.rawValue)-\(iteration)"
            benchmark.startMeasurement()
            let report = try CloneEngine(options: CloneOptions(strategy: strategy)).clone(
                source: BytePath(source), destination: BytePath(destination))
            benchmark.stopMeasurement()
            blackHole(report)
            try FileManager.default.removeItem(atPath: destination)
        }
    }

    for strategy in [CloneStrategy.auto, .copyRange, .copy] {
        Benchmark("CloneEngine \(strategy.rawValue) 4000 files") { benchmark in
            try clone(strategy, benchmark)
        } setup: {
            try makeTree()
        } teardown: {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    Benchmark("baseline: cp -a --reflink=auto 4000 files") { benchmark in
        for iteration in benchmark.scaledIterations {
            let destination = "\(root)/cp-\(iteration)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/cp")
            process.arguments = ["-a", "--reflink=auto", source, destination]
            benchmark.startMeasurement()
            try process.run()
            process.waitUntilExit()
            benchmark.stopMeasurement()
            try FileManager.default.removeItem(atPath: destination)
        }
    } setup: {
        try makeTree()
    } teardown: {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// A tiny deterministic generator so every run builds the same tree.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
