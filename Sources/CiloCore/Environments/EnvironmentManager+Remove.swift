import CiloSystem
import Foundation
import SystemPackage

/// Stopping and removing environments.
extension EnvironmentManager {
    /// Stops and removes `env`'s containers; keeps workspace, volumes and record.
    public func down(_ env: String) async throws(CiloError) {
        try await docker.requireEngine()
        try await withLock(env) { _ throws(CiloError) in
            var record = try record(env)
            if record.status == .destroying || record.status == .creating {
                throw CiloError(.failed, "environment '\(env)' is \(record.status.rawValue) (interrupted): cilo destroy \(env) removes it")
            }
            // compose down acts on the compose project by name: not when another cilo home runs it.
            let owner = try await docker.networkHome(record.dockerName)
            if FileManager.default.fileExists(atPath: record.composeFile) && owner.map({ docker.isOwn(homeLabel: $0) }) ?? true {
                let result = try await compose(record, ["down", "--remove-orphans"])
                guard result.succeeded else { throw CiloError(.failed, "compose down failed for '\(env)': \(result.tail(3))") }
            }
            // Anything compose did not know about (renamed services) goes too, volumes excepted.
            try await docker.removeContainers(project: record.project, env: env)
            record.status = .stopped
            record.services = record.services.map { service in
                var stopped = ServiceRecord(name: service.name, ip: nil, ports: service.ports, status: "stopped", completes: service.completes)
                stopped.shared = service.shared
                return stopped
            }
            try store.save(record)
            try await SharedServices.leave(record, home: home, grace: project.config.sharedGraceSeconds)
        }
        await publishNames(startServer: false)
        await stopIdleShared()
    }

    /// Stops and deletes `env`: containers, volumes, network, generated files, workspace
    /// (unless kept), record; with the project's last environment, its empty folders and
    /// lock files. The record says `destroying` before anything goes, so an interrupted
    /// destroy is finished by the next one (or `cilo doctor --fix`), never mistaken for a
    /// stopped environment. An environment whose state file is damaged can be destroyed.
    public func destroy(_ env: String, keepWorkspace: Bool = false) async throws(CiloError) {
        do throws(CiloError) { try await docker.requireEngine() } catch {
            throw CiloError(.failed, "Docker is not reachable: start it to destroy '\(env)' cleanly (its containers may still run)", cause: error)
        }
        try await withLock(env) { lock throws(CiloError) in
            try await destroyLocked(try recordOrDamaged(env), keepWorkspace: keepWorkspace, holding: lock)
        }
        await publishNames(startServer: false)
        await stopIdleShared()
    }

    /// Removes the project's shared services (containers, network, volumes) when it has no
    /// environment left. - Returns: the services removed (none while environments remain).
    public func removeSharedServicesOfEmptyProject() async throws(CiloError) -> [String] {
        guard try store.allReadable(project: project.name).records.isEmpty, try SharedServiceState.exists(project: project.name, home: home) else { return [] }
        return try await SharedServices.removeAll(project: project.name, home: home)
    }

    /// Destroys `env` only if no other cilo works on it now and `condition` holds for its
    /// record once locked (`cilo prune`: a create in flight, or an environment started since
    /// it was chosen, is left alone). - Returns: whether it was destroyed.
    public func destroyIfIdle(_ env: String, when condition: (EnvironmentRecord) -> Bool) async throws(CiloError) -> Bool {
        try await docker.requireEngine()
        guard let lock = try home.tryLock(home.lockFile(project: project.name, env: env)) else { return false }
        defer { lock.unlock() }
        guard let record = try store.load(project: project.name, env: env), condition(record) else { return false }
        try await destroyLocked(record, keepWorkspace: false, holding: lock)
        await publishNames(startServer: false)
        return true
    }

    /// Marks the record `destroying`, removes everything, forgets the environment (the caller holds `lock`).
    private func destroyLocked(_ found: EnvironmentRecord, keepWorkspace: Bool, holding lock: FileLock) async throws(CiloError) {
        var record = found
        if record.status != .damaged {
            record.status = .destroying
            try store.save(record)
        }
        try await Self.removeEverything(record, keepWorkspace: keepWorkspace, home: home, sharedGrace: project.config.sharedGraceSeconds)
        try home.forgetEnvironment(project: project.name, env: record.name, holding: lock)
    }

    /// Removes the environment's Docker objects, generated files, workspace and record.
    func removeEverything(_ record: EnvironmentRecord, keepWorkspace: Bool) async throws(CiloError) {
        try await Self.removeEverything(record, keepWorkspace: keepWorkspace, home: home, sharedGrace: project.config.sharedGraceSeconds)
    }

    /// Removes those of `images` that no other environment of the project records and no
    /// container uses; any doubt (a damaged record in the project) keeps them all.
    static func removeImages(_ images: [String], of record: EnvironmentRecord, home: CiloHome) async throws(CiloError) {
        guard !images.isEmpty else { return }
        let others = try StateStore(home: home).allReadable(project: record.project)
        guard others.damaged.filter({ $0.env != record.name }).isEmpty else { return }
        let used = Set(others.records.filter { $0.name != record.name }.flatMap { $0.images ?? [] })
        for image in images where !used.contains(image) { try await DockerClient(home: home.root.display).removeImageIfUnused(image) }
    }

    /// Removes the environment's Docker objects, generated files, workspace and record
    /// (the caller holds its lock). The record goes last: whatever stops this half-way
    /// leaves a record that says what is left to do. `sharedGrace`: the project's `shared_grace:`
    /// (nil: the one written when it joined its shared services).
    static func removeEverything(_ record: EnvironmentRecord, keepWorkspace: Bool, home: CiloHome, sharedGrace: Double? = nil) async throws(CiloError) {
        let docker = DockerClient(home: home.root.display)
        // A create that never started made nothing of Docker's, so it needs no engine to undo;
        // anything else does: without one its containers and volumes would outlive the record.
        let engineAnswers = (try? await docker.requireEngine()) != nil
        if !engineAnswers && record.status != .creating {
            throw CiloError(.failed, "Docker is not reachable: start it to remove \(record.project)/\(record.name) cleanly")
        }
        if engineAnswers {
            // Shared services leave its networks first: Docker removes no network still in use.
            try await SharedServices.leave(record, home: home, grace: sharedGrace)
            try await docker.removeLabelled(project: record.project, env: record.name)
            try await removeImages(record.images ?? [], of: record, home: home)
        }
        try await removeSandbox(record, home: home)
        for area in ["generated", "changes"] {
            do throws(Errno) { try home.removeFolder(record.name, in: home.path(area, record.project)) } catch {
                throw .system(error, "cannot delete cilo's files of the environment", path: home.path(area, record.project, record.name).display)
            }
        }
        let mounted = try OverlayWorkspace.isMounted(BytePath(record.workspace))
        if record.overlayBase != nil || mounted {
            if keepWorkspace {
                try await keepOverlayAsFolder(record, home: home)
            } else {
                try await WorkerThreads.offload { () throws(CiloError) in try removeOverlay(record, home: home) }
            }
        }
        if !keepWorkspace {
            // A large tree takes a while: on a thread of cilo's, never the cooperative pool.
            try await WorkerThreads.offload { () throws(CiloError) in
                do throws(Errno) { try home.removeFolder(record.name, in: home.projectWorkspaces(project: record.project)) } catch {
                    throw .system(error, "cannot delete the workspace", path: record.workspace)
                }
            }
        }
        WorkspaceDiskCache(home: home).remove(project: record.project, env: record.name)
        try StateStore(home: home).remove(project: record.project, env: record.name)
    }
}
