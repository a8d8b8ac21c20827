import Dispatch

/// What environments made by fork cost beside ones made from the project: `cilo bench`'s fork pass.
public struct BenchForkResult: Sendable, Codable, Equatable {
    /// One environment made by `cilo fork`.
    public struct Fork: Sendable, Codable, Equatable {
        public var name: String
        /// The copies, baseline and render (`ForkReport.forkSeconds`).
        public var forkSeconds: Double
        /// How long the forked environment's services were frozen.
        public var pausedSeconds: Double
        /// From asking to running and ready: the fork and the start of its services.
        public var totalSeconds: Double
        public var exclusiveBytes: Int
        public var workspaceStrategy: String
        public var volumeStrategies: [String]
    }

    /// The environment forked: the first one the bench made from the project.
    public var from: String
    public var forks: [Fork]
    /// What one environment made from the project took (clone, start and readiness: its
    /// migrations and seeds included) and cost, on average over the bench's first strategy.
    public var fromScratchSeconds: Double
    public var fromScratchBytes: Double

    public var meanTotalSeconds: Double { forks.isEmpty ? 0 : forks.reduce(0) { $0 + $1.totalSeconds } / Double(forks.count) }
    public var meanExclusiveBytes: Double { forks.isEmpty ? 0 : Double(forks.reduce(0) { $0 + $1.exclusiveBytes }) / Double(forks.count) }
}

extension BenchRunner {
    /// Forks `from` (a running bench environment) `count` times, one after another, measuring
    /// each fork against `scratch`, what the bench's environments made from the project cost.
    func measureForks(of from: String, count: Int, scratch: BenchStrategyResult, made: MadeEnvironments) async throws(CiloError) -> BenchForkResult {
        var forks: [BenchForkResult.Fork] = []
        for index in 1...count {
            try checkCancelled()
            let name = "bench-\(runID)-fork-\(index)"
            options.progress("fork: environment \(index)/\(count) from \(from)")
            made.add(name)
            var request = EnvironmentRequest(env: name, start: .always)
            request.fork = from
            request.mustBeNew = true
            request.timeoutSeconds = 300
            request.admission = .unchecked
            let start = DispatchTime.now().uptimeNanoseconds
            let outcome = try await manager.prepare(request)
            let total = Self.seconds(since: start)
            guard let report = outcome.fork else { throw CiloError(.failed, "the bench's fork \(name) was not made by a fork") }
            forks.append(BenchForkResult.Fork(
                name: name, forkSeconds: report.forkSeconds, pausedSeconds: report.pausedSeconds, totalSeconds: total,
                exclusiveBytes: try await exclusiveBytes(of: name), workspaceStrategy: report.workspaceStrategy,
                volumeStrategies: report.volumes.map { "\($0.name): \($0.strategy)" }))
        }
        let scratchSeconds = scratch.environments.map { $0.cloneSeconds + ($0.upSeconds ?? 0) }
        return BenchForkResult(
            from: from, forks: forks, fromScratchSeconds: scratchSeconds.reduce(0, +) / Double(max(1, scratchSeconds.count)),
            fromScratchBytes: scratch.meanDiskBytes)
    }
}
