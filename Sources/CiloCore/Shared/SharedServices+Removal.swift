import CiloSystem
import SystemPackage

/// Stopping and removing shared services on request (`cilo doctor --fix`, `cilo destroy --all`).
extension SharedServices {
    /// Stops `service` of `project` now if no environment uses it (checked again under the lock).
    public func stopUnused(project: String, service: String) async throws(CiloError) {
        try await withLock(project: project) { () throws(CiloError) in
            var state = try SharedServiceState.load(project: project, home: home)
            let users = try state.liveUsers(of: service, project: project, home: home)
            guard users.isEmpty else { throw CiloError(.busy, "\(users.joined(separator: ", ")) use\(users.count == 1 ? "s" : "") it now; left running") }
            let running = try await engine.sharedContainers(project: project).filter { $0.service == service && $0.state.status == "running" }
            try await engine.stop(running.map(\.id))
            state.services[service]?.users = []
            state.services[service]?.stopAt = nil
            try state.save(project: project, home: home)
        }
    }

    /// Removes every shared service of `project`: containers, their network, named volumes,
    /// and cilo's files of them. Refused while an environment of the project uses one.
    /// - Returns: the services removed.
    @discardableResult
    public func removeAll(project: String) async throws(CiloError) -> [String] {
        let removed = try await withLock(project: project) { () throws(CiloError) -> [String] in
            let state = try SharedServiceState.load(project: project, home: home)
            for name in state.services.keys.sorted() {
                let users = try state.liveUsers(of: name, project: project, home: home)
                guard users.isEmpty else {
                    throw CiloError(.busy, "shared service \(name) of project '\(project)' is used by \(users.joined(separator: ", ")): left in place")
                }
            }
            let containers = try await engine.sharedContainers(project: project)
            if let left = try await engine.removeShared(project: project).first { throw CiloError(.failed, left) }
            do throws(Errno) { try home.removeFolder(project, in: home.path("shared")) } catch {
                throw .system(error, "cannot delete cilo's files of the shared services", path: SharedServiceState.folder(project: project, home: home).display)
            }
            // Its lock file too (a cilo waiting on it finds it replaced and takes the new one), and the
            // project's lock folder when that was the last.
            do throws(Errno) {
                let locks = try PathOpening.openDirectory(home.path("locks", project).bytes)
                defer { locks.closeIgnoringErrors() }
                try locks.remove(FileName("shared.lock"), directory: false)
            } catch where error == .noSuchFileOrDirectory {
            } catch {
                throw .system(error, "cannot delete the lock file", path: SharedServiceState.lockFile(project: project, home: home).display)
            }
            return Array(Set(containers.map(\.service)).union(state.services.keys)).sorted()
        }
        do throws(Errno) {
            let locks = try PathOpening.openDirectory(home.path("locks").bytes)
            defer { locks.closeIgnoringErrors() }
            try locks.remove(FileName(project), directory: true)
        } catch {
            // Not empty (an environment of the project is being made) or gone: either is fine.
        }
        return removed
    }
}
