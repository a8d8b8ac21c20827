import CiloSystem
import SystemPackage

/// The DNS check, and the repairs of `cilo doctor --fix`.
extension Doctor {
    /// Whether every name of a running environment answers with its address.
    func checkNames(_ records: [EnvironmentRecord]) async -> [DoctorFinding] {
        let loaded: CiloSettings?
        do throws(CiloError) { loaded = try CiloSettings.load(from: home) } catch {
            return [DoctorFinding(.problem, "dns", "settings", error.description)]
        }
        guard let settings = loaded, settings.dns.enabled else {
            return [DoctorFinding(.ok, "dns", "names", "DNS is off (cilo init turns it on)")]
        }
        let server = DNSServer(home: home, settings: settings.dns)
        let wanted = DNSNames.compute(records, suffix: settings.dns.suffix).values.flatMap { $0 }
        let subject = "127.0.0.1:\(settings.dns.port)"
        guard server.runningPID != nil else {
            if wanted.isEmpty { return [DoctorFinding(.ok, "dns", subject, "server stopped; no environment is up")] }
            return [DoctorFinding(.problem, "dns", subject, "cilo's DNS server is not running: \(wanted.count) names do not answer", fix: .startDNS)]
        }
        if wanted.isEmpty { return [DoctorFinding(.ok, "dns", subject, "server runs; no environment is up")] }
        let answers = await DNSQuery.ask(wanted.map(\.name), port: settings.dns.port)
        let wrong = zip(wanted, answers).filter { entry, answer in
            guard case .addresses(let addresses) = answer else { return true }
            return !addresses.contains(entry.address)
        }.map(\.0)
        guard wrong.isEmpty else {
            let examples = wrong.prefix(3).map(\.name).joined(separator: ", ")
            return [DoctorFinding(.problem, "dns", subject, "\(wrong.count) of \(wanted.count) names answer wrongly or not at all (\(examples))", fix: .syncDNS)]
        }
        return [DoctorFinding(.ok, "dns", subject, "all \(wanted.count) names of running environments answer")]
    }

    /// Applies every finding's fix, in order, recording on each whether it worked; then
    /// publishes the names again when environments changed and DNS is on.
    public func repair(_ findings: [DoctorFinding]) async -> [DoctorFinding] {
        var result = findings
        var environmentsChanged = false
        for index in result.indices {
            guard let fix = result[index].fix else { continue }
            do throws(CiloError) {
                try await apply(fix)
                result[index].fixed = true
                if fix != .startDNS && fix != .syncDNS { environmentsChanged = true }
            } catch {
                result[index].fixed = false
                result[index].fixError = error.description
            }
        }
        let dnsFixed = result.contains { ($0.fix == .startDNS || $0.fix == .syncDNS) && $0.fixed == true }
        // Settings that cannot be read were named by the check; nothing to publish with them.
        if environmentsChanged && !dnsFixed, let settings = try? CiloSettings.load(from: home), settings.dns.enabled {
            do throws(CiloError) {
                try await DNSRegistry(server: DNSServer(home: home, settings: settings.dns), store: store).sync()
            } catch {
                result.append(DoctorFinding(.problem, "dns", "names", "publishing the names after the repairs failed: \(error.description)"))
            }
        }
        return result
    }

    /// Applies one fix. Fixes to an environment take its lock without waiting (a busy
    /// environment is left alone) and check again under it that the fix still applies.
    public func apply(_ fix: DoctorFix) async throws(CiloError) {
        switch fix {
        case .startDNS, .syncDNS:
            guard let settings = try CiloSettings.load(from: home), settings.dns.enabled else {
                throw CiloError(.failed, "DNS is off (cilo init turns it on)")
            }
            let server = DNSServer(home: home, settings: settings.dns)
            if fix == .startDNS { try await server.start() }
            try await DNSRegistry(server: server, store: store).sync()
        case .removeDockerObjects(let project, let env):
            try await withIdleEnvironment(project, env, mustHaveRecord: false) { _ throws(CiloError) in
                try await engine.requireEngine()
                if let left = try await engine.removeLabelled(project: project, env: env).first { throw CiloError(.failed, left) }
            }
        case .removeGenerated(let project, let env):
            try await withIdleEnvironment(project, env, mustHaveRecord: false) { _ throws(CiloError) in
                do throws(Errno) { try home.removeFolder(env, in: home.path("generated", project)) } catch {
                    throw .system(error, "cannot delete", path: home.generatedDirectory(project: project, env: env).display)
                }
            }
        case .finishInterrupted(let project, let env):
            try await withIdleEnvironment(project, env, mustHaveRecord: true) { lock throws(CiloError) in
                guard let record = try store.load(project: project, env: env), record.status == .creating || record.status == .destroying else {
                    throw CiloError(.failed, "no longer being created or destroyed; left alone")
                }
                try await EnvironmentRemoval(context: context(of: record)).removeEverything(record, keepWorkspace: false, sharedGrace: nil)
                try await home.forgetEnvironment(project: project, env: env, holding: lock)
            }
        case .mountWorkspace(let project, let env), .remakeBase(let project, let env):
            try await withIdleEnvironment(project, env, mustHaveRecord: true) { _ throws(CiloError) in
                try await repairOverlay(project: project, env: env, remakeBase: fix == .remakeBase(project: project, env: env))
            }
        case .removeBase(let project, let id):
            try removeUnusedBase(project: project, id: id)
        case .emptyTrash:
            let left: Int
            do throws(Errno) { left = try home.emptyTrash() } catch {
                throw .system(error, "cannot empty cilo's trash", path: home.trash.display)
            }
            if left > 0 { throw CiloError(.busy, "\(left) folder\(left == 1 ? " is" : "s are") still written to; left in the trash", path: home.trash.display) }
        case .stopSharedService(let project, let service):
            try await SharedServices(home: home, engine: engine).stopUnused(project: project, service: service)
        case .removeSharedServices(let project):
            guard try store.allReadable(project: project).records.isEmpty else { throw CiloError(.failed, "project \(project) has environments again; left alone") }
            try await SharedServices(home: home, engine: engine).removeAll(project: project)
        case .thawServices(let project, let env):
            try await withIdleEnvironment(project, env, mustHaveRecord: nil) { _ throws(CiloError) in
                try await engine.requireEngine()
                let context = EnvironmentContext(project: Project(name: project, root: "/", composeFiles: []), home: home, engine: engine)
                try await FrozenServices(context: context).thawLeftovers(env)
            }
        case .removeLeftoverCopies(let project, let env):
            try await withIdleEnvironment(project, env, mustHaveRecord: nil) { _ throws(CiloError) in
                try await WorkerThreads.offload { () throws(CiloError) in try removeLeftoverCopies(project: project, env: env) }
            }
        case .recordStatus(let project, let env, _):
            try await withIdleEnvironment(project, env, mustHaveRecord: true) { _ throws(CiloError) in
                guard let record = try store.load(project: project, env: env) else { return }
                // Docker's word now, not when the check ran.
                let containers = try await engine.managedContainers(project: project, env: env)
                try store.save(record.reconciled(with: containers))
            }
        }
    }

    /// Runs `body` holding the environment's lock if no other cilo holds it, after checking
    /// that a record exists (`mustHaveRecord` true), does not (false), or either (nil).
    private func withIdleEnvironment(
        _ project: String, _ env: String, mustHaveRecord: Bool?, _ body: (FileLock) async throws(CiloError) -> Void
    ) async throws(CiloError) {
        guard let lock = try home.tryLock(home.lockFile(project: project, env: env)) else {
            throw CiloError(.failed, "another cilo is working on \(project)/\(env); run cilo doctor again later")
        }
        defer { lock.unlock() }
        if let mustHaveRecord {
            let exists = try store.load(project: project, env: env) != nil
            if exists != mustHaveRecord {
                throw CiloError(.failed, exists ? "\(project)/\(env) has an environment again; left alone" : "\(project)/\(env) no longer exists")
            }
        }
        try await body(lock)
    }
}
