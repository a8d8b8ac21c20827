import CiloSystem

/// `cilo create`, `cilo up` and the making of a `cilo run` environment: one transaction.
extension EnvironmentManager {
    /// Creates the environment if it does not exist (clone, subnet, compose file), then
    /// starts it as asked: clone, render (once), network, start, wait and names, all under
    /// the environment's lock taken once.
    public func prepare(_ asked: EnvironmentRequest) async throws(CiloError) -> EnvironmentOutcome {
        var request = asked
        request.askedAt = BaseCheck.now()
        if request.start != .never {
            try await engine.requireEngine()
            await stopIdleShared()
        }
        // A place to start in, held until the environment runs (or failed): see `admit`.
        let place = try await admission.admit(request)
        defer { place?.release() }
        var outcome = try await withLock(request.env) { _ throws(CiloError) -> EnvironmentOutcome in
            // Services a killed fork or checkpoint of it left frozen run again first.
            if request.start != .never { try await FrozenServices(context: context).thawLeftovers(request.env) }
            let created = try await createLocked(request)
            var record = created.record
            // An overlay workspace a restart unmounted is mounted again before anything uses it.
            if created.report == nil { try await workspaces.mount(record) }
            if created.rendered == nil && !request.limits.isEmpty { record.limits = request.limits.over(record.limits ?? ResourceLimits()) }
            if !request.sharing.isEmpty {
                let choice = (record.sharing ?? SharingChoice()).updated(with: request.sharing)
                if choice != record.sharing {
                    record.sharing = choice
                    try store.save(record)
                }
            }
            if let sandbox = request.sandbox, record.sandbox != sandbox {
                record.sandbox = sandbox
                try store.save(record)
            }
            var started = false
            var wanted = request.start == .always
            if request.start == .unlessRunning { wanted = try await !stack.isRunning(record) }
            if wanted {
                // Never started before (or only failed to): its first successful up is what `cilo reset` returns to.
                let firstUp = record.status == .created || record.status == .failed
                // Made before volumes lived in the home, and its containers gone (a down): moved there now.
                try await EnvironmentVolumes(context: context).moveIntoHome(&record)
                try await startLocked(&record, rendered: created.rendered, request: request)
                started = true
                if firstUp { await keepInitialState(record) }
            }
            return EnvironmentOutcome(
                record: record, cloneReport: created.report, fork: created.fork, started: started, warnings: record.warnings ?? [])
        }
        if outcome.started, let warning = await names.publish(startServer: true) { outcome.warnings.append(warning) }
        return outcome
    }
}
