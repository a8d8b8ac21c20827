import CiloSystem
import Foundation
import SystemPackage

/// Stopping and removing environments.
extension EnvironmentManager {
    /// Stops and removes `env`'s containers; keeps workspace, volumes and record.
    public func down(_ env: String) async throws(CiloError) {
        try await engine.requireEngine()
        try await withLock(env) { _ throws(CiloError) in
            var record = try record(env)
            if record.status == .destroying || record.status == .creating {
                throw CiloError(.failed, "environment '\(env)' is \(record.status.rawValue) (interrupted): cilo destroy \(env) removes it")
            }
            try await stack.stop(record)
            record.status = .stopped
            record.services = record.services.map { service in
                var stopped = ServiceRecord(name: service.name, ip: nil, ports: service.ports, status: "stopped", completes: service.completes)
                stopped.shared = service.shared
                return stopped
            }
            try store.save(record)
            try await sharedServices.leave(record, grace: project.config.sharedGraceSeconds)
        }
        await names.publish(startServer: false)
        await stopIdleShared()
    }

    /// Stops and deletes `env`: containers, volumes, network, generated files, workspace
    /// (unless kept), record; with the project's last environment, its empty folders and
    /// lock files. The record says `destroying` before anything goes, so an interrupted
    /// destroy is finished by the next one (or `cilo doctor --fix`), never mistaken for a
    /// stopped environment. An environment whose state file is damaged can be destroyed.
    public func destroy(_ env: String, keepWorkspace: Bool = false) async throws(CiloError) {
        do throws(CiloError) { try await engine.requireEngine() } catch {
            throw CiloError(.failed, "Docker is not reachable: start it to destroy '\(env)' cleanly (its containers may still run)", cause: error)
        }
        try await withLock(env) { lock throws(CiloError) in
            try await destroyLocked(try recordOrDamaged(env), keepWorkspace: keepWorkspace, holding: lock)
        }
        await names.publish(startServer: false)
        await stopIdleShared()
    }

    /// Destroys `envs` side by side (at most `width` at once), each as `destroy` does under its own
    /// lock; the names are published and idle shared services stopped once, after all of them.
    /// `finished` hears of each as it ends (its failure, or nil).
    /// - Returns: the failures, by environment; one failing stops none of the others.
    public func destroy(
        _ envs: [String], keepWorkspace: Bool = false, width: Int = 4, finished: @escaping @Sendable (String, CiloError?) -> Void
    ) async throws(CiloError) -> [String: CiloError] {
        do throws(CiloError) { try await engine.requireEngine() } catch {
            throw CiloError(.failed, "Docker is not reachable: start it to destroy environments cleanly (their containers may still run)", cause: error)
        }
        let manager = self
        let failures = await withTaskGroup(of: (String, CiloError?).self) { group in
            var pending = envs[...]
            var failures: [String: CiloError] = [:]
            func startNext() {
                guard let env = pending.popFirst() else { return }
                group.addTask {
                    do throws(CiloError) {
                        try await manager.withLock(env) { lock throws(CiloError) in
                            try await manager.destroyLocked(try manager.recordOrDamaged(env), keepWorkspace: keepWorkspace, holding: lock)
                        }
                        return (env, nil)
                    } catch {
                        return (env, error)
                    }
                }
            }
            for _ in 0..<max(1, width) { startNext() }
            for await (env, failure) in group {
                finished(env, failure)
                if let failure { failures[env] = failure }
                startNext()
            }
            return failures
        }
        await names.publish(startServer: false)
        await stopIdleShared()
        return failures
    }

    /// Removes the project's shared services (containers, network, volumes) when it has no
    /// environment left. - Returns: the services removed (none while environments remain).
    public func removeSharedServicesOfEmptyProject() async throws(CiloError) -> [String] {
        guard try store.allReadable(project: project.name).records.isEmpty, try SharedServiceState.exists(project: project.name, home: home) else { return [] }
        return try await sharedServices.removeAll(project: project.name)
    }

    /// Destroys `env` only if no other cilo works on it now and `condition` holds for its
    /// record once locked (`cilo prune`: a create in flight, or an environment started since
    /// it was chosen, is left alone). - Returns: whether it was destroyed.
    public func destroyIfIdle(_ env: String, when condition: (EnvironmentRecord) -> Bool) async throws(CiloError) -> Bool {
        try await engine.requireEngine()
        guard let lock = try home.tryLock(home.lockFile(project: project.name, env: env)) else { return false }
        defer { lock.unlock() }
        guard let record = try store.load(project: project.name, env: env), condition(record) else { return false }
        try await destroyLocked(record, keepWorkspace: false, holding: lock)
        await names.publish(startServer: false)
        return true
    }

    /// Marks the record `destroying`, removes everything, forgets the environment (the caller holds `lock`).
    private func destroyLocked(_ found: EnvironmentRecord, keepWorkspace: Bool, holding lock: FileLock) async throws(CiloError) {
        var record = found
        if record.status != .damaged {
            record.status = .destroying
            try store.save(record)
        }
        try await removal.removeEverything(record, keepWorkspace: keepWorkspace)
        try await home.forgetEnvironment(project: project.name, env: record.name, holding: lock)
    }
}
