import Synchronization
import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// `cilo bench`: creates N environments of the project per clone strategy and measures
/// what each really costs (time, disk, memory, CPU), then fills the capacity formula.
/// Every environment it made is destroyed at the end, after a failure or Ctrl-C too,
/// unless `keep`.
public struct BenchRunner: Sendable {
    public struct Options: Sendable {
        public var source: String?
        public var environments = 5
        public var strategies: [CloneStrategy] = [.auto, .copy]
        public var parallel = false
        public var stack = true
        public var keep = false
        public var force = false
        public var sampleSeconds = 3.0
        /// Environments made by forking the first one (0: no fork pass; needs the stack).
        public var forks = 3
        /// `--shared` and `--isolate` for every bench environment.
        public var sharing = SharingChoice()
        public var cancellation = CancellationFlag()
        public var progress: @Sendable (String) -> Void = { _ in }

        public init() {}
    }

    public let manager: EnvironmentManager
    public let options: Options
    let runID = String(UInt32.random(in: 0x1000...0xFFFF), radix: 16)

    public init(manager: EnvironmentManager, options: Options) {
        self.manager = manager
        self.options = options
    }

    /// Runs the benchmark; throws after cleaning up when anything fails or is cancelled.
    public func run() async throws(CiloError) -> BenchResult {
        let source = URL(fileURLWithPath: options.source ?? manager.project.root).standardizedFileURL.path
        try await checkInput(source: source)
        let host = HostCapacity.measure(home: manager.home.root)
        let sourceUsage = try await DiskUsage().measureOffPool(BytePath(source))
        try refuseImpossible(host: host, sourceAllocated: sourceUsage.allocatedBytes)
        let made = MadeEnvironments()
        made.hadSharedServices = try SharedServiceState.exists(project: manager.project.name, home: manager.home)
        do throws(CiloError) {
            var results: [BenchStrategyResult] = []
            var forks: BenchForkResult?
            for strategy in options.strategies {
                results.append(try await measure(strategy, source: source, host: host, made: made, checkPlan: results.isEmpty))
                // Forks of the first environment made from the project, measured against it.
                if forks == nil, options.stack, options.forks > 0, let first = results.last?.environments.first {
                    forks = try await measureForks(of: first.name, count: options.forks, scratch: results[results.count - 1], made: made)
                }
                if !options.keep { await cleanUp(made) }
            }
            let freeSubnets = SubnetAllocator().capacity - (try manager.store.allReadable().records.count)
            let containers = results.first?.environments.first?.containers ?? 0
            let plan = CapacityPlan.make(host: host, result: results[0], freeSubnets: freeSubnets, containersPerEnv: containers,
                                         sharedMemoryBytes: results[0].sharedMemoryBytes ?? 0)
            return BenchResult(
                project: manager.project.name, source: source, sourceApparentBytes: sourceUsage.apparentBytes,
                sourceAllocatedBytes: sourceUsage.allocatedBytes,
                filesystem: try FileSystemInfo.of(manager.home.root, probeReflink: false).type,
                environmentsPerStrategy: options.environments, parallel: options.parallel, stack: options.stack,
                sampleSeconds: options.sampleSeconds, host: host, strategies: results, plan: plan, forks: forks)
        } catch {
            if !options.keep { await cleanUp(made) }
            // A Ctrl-C reaches the whole process group: compose may fail of it before cilo
            // notices. The user cancelled; say so (exit 130), not what failed of it.
            try checkCancelled()
            throw error
        }
    }

    private func checkInput(source: String) async throws(CiloError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CiloError(.notFound, "the source to benchmark is not a folder", path: source)
        }
        guard options.environments >= 1 else { throw CiloError(.invalidArgument, "--envs must be at least 1") }
        if options.stack {
            _ = try ComposeRenderer.composeFiles(in: source, configured: manager.project.composeFiles)
            try await manager.engine.requireEngine()
        }
    }

    /// Refuses what cannot fit before anything is made (unless `force`).
    private func refuseImpossible(host: HostCapacity, sourceAllocated: Int) throws(CiloError) {
        guard !options.force else { return }
        let n = options.environments
        if n > 200 { throw CiloError(.invalidArgument, "--envs \(n) is more than cilo bench makes without --force (200)") }
        let freeSubnets = SubnetAllocator().capacity - (try manager.store.allReadable().records.count)
        if options.stack && n > freeSubnets {
            throw CiloError(.noSpace, "--envs \(n) needs \(n) subnets but the pool has \(freeSubnets) free (add --force to try anyway)")
        }
        if options.strategies.contains(where: { $0 == .copy || $0 == .copyRange }) && n * sourceAllocated > host.diskAvailableBytes {
            throw CiloError(.noSpace, "\(n) full copies need \(ByteFormatting.iec(n * sourceAllocated)) but \(ByteFormatting.iec(host.diskAvailableBytes)) is free (add --force to try anyway)")
        }
    }

    func checkCancelled() throws(CiloError) {
        if options.cancellation.isCancelled { throw CiloError(.cancelled, "cilo bench cancelled; its environments were removed") }
    }

    func name(_ strategy: CloneStrategy, _ index: Int) -> String {
        "bench-\(runID)-\(strategy == .copyRange ? "range" : strategy.rawValue)-\(index)"
    }

    var workspaceRoot: BytePath { manager.home.path("bench", runID) }

    /// The free bytes of the file system holding cilo's home, after flushing it.
    /// - Throws: when the file system cannot be asked (a drop of 0 would be a figure made up).
    func freeBytes() throws(CiloError) -> Int {
        // The bench's environments go into the home: made now if this is its first use.
        try manager.home.makeDirectory(manager.home.root).closeIgnoringErrors()
        HostFacts.syncFileSystem(manager.home.root.bytes)
        return Int(clamping: try FileSystemInfo.of(manager.home.root, probeReflink: false).freeBytes)
    }

    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// The environments (or bare workspaces) a bench made, for clean-up.
final class MadeEnvironments: Sendable {
    private let names = Mutex<[String]>([])
    private let hadShared = Mutex(false)

    /// Whether the project had shared services before the bench (then they are only stopped after it, never removed).
    var hadSharedServices: Bool {
        get { hadShared.withLock { $0 } }
        set { hadShared.withLock { $0 = newValue } }
    }

    func add(_ name: String) {
        names.withLock { $0.append(name) }
    }

    func takeAll() -> [String] {
        names.withLock { all in
            defer { all = [] }
            return all
        }
    }
}
