import CiloSystem
import Dispatch
import SystemPackage

/// Making and measuring the environments of one strategy.
extension BenchRunner {
    func measure(
        _ strategy: CloneStrategy, source: String, host: HostCapacity, made: MadeEnvironments, checkPlan: Bool
    ) async throws(CiloError) -> BenchStrategyResult {
        let start = DispatchTime.now().uptimeNanoseconds
        // Shared services already running before the bench are in MemAvailable's "before" already.
        let sharedBefore = options.stack ? try await manager.engine.sharedContainers(project: manager.project.name).filter { $0.state.status == "running" }.count : 0
        let availableBefore = HostCapacity.memAvailable()
        var environments: [BenchEnvironment] = []
        var finishTimes: [Double] = []
        var sharedMemory: Int?
        var sharedServices: [String]?
        if options.parallel {
            options.progress("\(strategy.rawValue): making \(options.environments) environments at once")
            let before = try freeBytes()
            let outcomes = await withTaskGroup(of: Result<(BenchEnvironment, Double), CiloError>.self) { group in
                for index in 1...options.environments {
                    group.addTask {
                        do throws(CiloError) {
                            let environment = try await make(name(strategy, index), strategy: strategy, source: source, made: made)
                            return .success((environment, Self.seconds(since: start)))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var collected: [Result<(BenchEnvironment, Double), CiloError>] = []
                for await outcome in group { collected.append(outcome) }
                return collected
            }
            for outcome in outcomes {
                let (environment, finished) = try outcome.get()
                environments.append(environment)
                finishTimes.append(finished)
            }
            let drop = max(0, before - (try freeBytes())) / max(1, environments.count)
            environments = environments.sorted { $0.name < $1.name }.map { var value = $0; value.statfsDropBytes = drop; return value }
            finishTimes.sort()
        } else {
            for index in 1...options.environments {
                try checkCancelled()
                options.progress("\(strategy.rawValue): environment \(index)/\(options.environments)")
                let before = try freeBytes()
                var environment = try await make(name(strategy, index), strategy: strategy, source: source, made: made)
                environment.statfsDropBytes = max(0, before - (try freeBytes()))
                environments.append(environment)
                finishTimes.append(Self.seconds(since: start))
                if checkPlan && index == 1 && !options.force { try await refuseBeyondPlan(environment, host: host) }
            }
        }
        try checkCancelled()
        for index in environments.indices {
            environments[index].exclusiveBytes = try await exclusiveBytes(of: environments[index].name)
        }
        try await countOverlayBases(&environments)
        if options.stack { try await countImageBytes(&environments) }
        if options.stack {
            options.progress("\(strategy.rawValue): sampling memory and CPU for \(Int(options.sampleSeconds)) s")
            let stats = try await StatsCollector.collect(
                project: manager.project.name, envs: Set(environments.map(\.name) + [EnvironmentStats.sharedName]), interval: options.sampleSeconds,
                engine: manager.engine)
            // The shared services, counted once: not in any environment's figures.
            let shared = stats.first { $0.env == EnvironmentStats.sharedName }
            sharedMemory = shared?.memoryBytes
            sharedServices = shared?.services.map(\.service)
            let sharedStarted = sharedBefore == 0 ? (shared?.memoryBytes ?? 0) : 0
            var hostShare: Int?
            if let before = availableBefore, let during = HostCapacity.memAvailable() {
                hostShare = max(0, before - during - sharedStarted) / max(1, environments.count)
            }
            let containers = try await manager.engine.managedContainers(project: manager.project.name, env: nil)
            for index in environments.indices {
                let sample = stats.first { $0.env == environments[index].name }
                environments[index].memoryBytes = sample?.memoryBytes ?? 0
                environments[index].cpuPercent = sample?.cpuPercent ?? 0
                environments[index].hostMemoryBytes = hostShare
                let own = containers.filter { $0.env == environments[index].name && $0.state == "running" }
                if !own.isEmpty && own.allSatisfy({ $0.memoryLimit != nil }) {
                    environments[index].declaredMemoryBytes = own.reduce(0) { $0 + ($1.memoryLimit ?? 0) }
                }
            }
        }
        var cumulative: [BenchCumulative] = []
        var exclusive = 0
        var drop = 0
        for (index, environment) in environments.enumerated() {
            exclusive += environment.exclusiveBytes
            drop += environment.statfsDropBytes
            cumulative.append(BenchCumulative(environments: index + 1, exclusiveBytes: exclusive, statfsDropBytes: drop,
                                              seconds: finishTimes[index]))
        }
        var result = BenchStrategyResult(strategy: strategy.rawValue, environments: environments, cumulative: cumulative,
                                         wallSeconds: Self.seconds(since: start))
        result.sharedMemoryBytes = sharedMemory
        result.sharedServices = sharedServices
        return result
    }

    func workspace(of name: String) -> BytePath {
        options.stack ? manager.home.workspace(project: manager.project.name, env: name) : workspaceRoot.appending(FileName(name))
    }

    /// A bench environment's own disk cost: an environment's workspace (an overlay's upper
    /// folder), volumes and checkpoints; a bare clone's tree.
    func exclusiveBytes(of name: String) async throws(CiloError) -> Int {
        guard options.stack, let record = try manager.store.load(project: manager.project.name, env: name) else {
            return try await DiskUsage().measureOffPool(workspace(of: name)).exclusiveBytes
        }
        return try await DiskUsage().measureEnvironment(record, home: manager.home).exclusiveBytes
    }

    /// Overlay environments share their base: its cost goes to the first environment on it
    /// (the one whose create cloned it), so the totals are what the disk really holds.
    private func countOverlayBases(_ environments: inout [BenchEnvironment]) async throws(CiloError) {
        guard options.stack else { return }
        var counted = Set<String>()
        for index in environments.indices {
            guard let base = try manager.store.load(project: manager.project.name, env: environments[index].name)?.overlayBase,
                counted.insert(base).inserted
            else { continue }
            let folder = OverlayBase.folder(base, project: manager.project.name, home: manager.home)
            environments[index].exclusiveBytes += try await DiskUsage().measureOffPool(folder).exclusiveBytes
        }
    }

    /// Makes one environment (or, without stacks, one workspace) and times its parts.
    private func make(_ name: String, strategy: CloneStrategy, source: String, made: MadeEnvironments) async throws(CiloError) -> BenchEnvironment {
        try checkCancelled()
        made.add(name)
        if !options.stack && strategy == .overlay {
            throw CiloError(.invalidArgument, "--strategies overlay makes environments: it cannot be measured with --no-stack")
        }
        if !options.stack {
            try manager.home.makeDirectory(workspaceRoot).closeIgnoringErrors()
            let report = try await CloneEngine(options: CloneOptions(strategy: strategy))
                .clone(source: BytePath(source), destination: workspace(of: name))
            return BenchEnvironment(name: name, cloneStrategy: report.strategy, cloneSeconds: report.seconds, upSeconds: nil,
                                    exclusiveBytes: 0, statfsDropBytes: 0, memoryBytes: nil, cpuPercent: nil, containers: 0)
        }
        var create = EnvironmentRequest(env: name, start: .never)
        create.sharing = options.sharing
        create.source = source
        create.strategy = strategy
        create.mustBeNew = true
        let report = try await manager.prepare(create).cloneReport
        try checkCancelled()
        let start = DispatchTime.now().uptimeNanoseconds
        var up = EnvironmentRequest(env: name, start: .always)
        up.timeoutSeconds = 300
        up.admission = .unchecked
        up.sharing = options.sharing
        let record = try await manager.prepare(up).record
        return BenchEnvironment(name: name, cloneStrategy: report?.strategy ?? record.cloneStrategy.rawValue, cloneSeconds: report?.seconds ?? 0,
                                upSeconds: Self.seconds(since: start), exclusiveBytes: 0, statfsDropBytes: 0,
                                memoryBytes: nil, cpuPercent: nil, containers: record.services.filter { $0.shared != true }.count)
    }

    /// Each environment's share of the images cilo built for the bench's environments.
    private func countImageBytes(_ environments: inout [BenchEnvironment]) async throws(CiloError) {
        var images: [String: [String]] = [:]
        for environment in environments {
            images[environment.name] = try manager.store.load(project: manager.project.name, env: environment.name)?.images ?? []
        }
        var sizes: [String: Int] = [:]
        for image in Set(images.values.flatMap { $0 }) { sizes[image] = try await manager.engine.imageSize(image) }
        for index in environments.indices {
            let own = images[environments[index].name] ?? []
            environments[index].imageBytes = own.reduce(0) { total, image in
                let sharers = images.values.filter { $0.contains(image) }.count
                return total + (sizes[image] ?? 0) / max(sharers, 1)
            }
        }
    }

    /// After the first environment: refuses N beyond what the plan from its figures allows.
    private func refuseBeyondPlan(_ first: BenchEnvironment, host: HostCapacity) async throws(CiloError) {
        var probe = first
        do throws(CiloError) { probe.exclusiveBytes = try await exclusiveBytes(of: first.name) } catch {
            throw CiloError(.failed, "cannot measure the first bench environment's workspace", cause: error)
        }
        if options.stack {
            let stats = try await StatsCollector.collect(project: manager.project.name, envs: [first.name], interval: 0.5, engine: manager.engine)
            probe.memoryBytes = stats.first?.memoryBytes
            probe.cpuPercent = stats.first?.cpuPercent
        }
        let result = BenchStrategyResult(strategy: first.cloneStrategy, environments: [probe], cumulative: [], wallSeconds: 0)
        let freeSubnets = SubnetAllocator().capacity - (try manager.store.allReadable().records.count) + 1
        let plan = CapacityPlan.make(host: host, result: result, freeSubnets: freeSubnets, containersPerEnv: first.containers)
        if options.environments > plan.fits {
            throw CiloError(.noSpace, "--envs \(options.environments) is more than this machine fits: \(plan.summary) (add --force to try anyway)")
        }
    }

    /// Destroys everything the bench made so far.
    func cleanUp(_ made: MadeEnvironments) async {
        let names = made.takeAll()
        guard !names.isEmpty else { return }
        options.progress("removing \(names.count) bench environments")
        if options.stack {
            for name in names {
                do throws(CiloError) { try await manager.destroy(name) } catch {
                    if error.code != .notFound { manager.warn("could not remove \(name): \(error.description)") }
                }
            }
            // Shared services the bench started for a project that had none go with it; those it
            // used and nobody else does are stopped now, not after their grace time.
            do throws(CiloError) {
                if !made.hadSharedServices, try await !manager.removeSharedServicesOfEmptyProject().isEmpty { return }
                for shared in try await manager.sharedServices(allProjects: false) where shared.usedBy.isEmpty && shared.isRunning {
                    try await manager.sharedServices.stopUnused(project: manager.project.name, service: shared.service)
                }
            } catch {
                manager.warn("could not stop the shared services the bench used: \(error.description)")
            }
        } else {
            do throws(Errno) {
                let parent = try PathOpening.openDirectory(manager.home.path("bench").bytes)
                defer { parent.closeIgnoringErrors() }
                try TreeRemover.remove(FileName(runID), in: parent)
            } catch {
                manager.warn("the bench's workspaces were left in \(workspaceRoot.display): \(error)")
            }
        }
    }
}
