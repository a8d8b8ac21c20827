import CiloSystem
import SystemPackage

/// What goes with an environment's record: its lock file and, with the project's last
/// environment, the project's empty folders and idle lock files.
extension CiloHome {
    /// Removes `env`'s lock file (the caller holds that lock: whoever waits on it takes a
    /// new one) and, when the project has no environment left, its folders and lock files.
    ///
    /// Under the allocation lock, which every create holds while it writes its first record:
    /// an empty state folder then means no environment of the project exists or is being made.
    /// Waits for the allocation lock on a thread of its own, never the cooperative pool.
    func forgetEnvironment(project: String, env: String, holding lock: FileLock) async throws(CiloError) {
        let home = self
        try await WorkerThreads.offload { () throws(CiloError) in try home.forgetEnvironmentNow(project: project, env: env, holding: lock) }
    }

    private func forgetEnvironmentNow(project: String, env: String, holding lock: FileLock) throws(CiloError) {
        let locks = path("locks", project)
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(locks.bytes)
            defer { directory.closeIgnoringErrors() }
            try directory.remove(FileName(env + ".lock"), directory: false)
        } catch where error == .noSuchFileOrDirectory {
        } catch {
            throw .system(error, "cannot delete the lock file", path: lockFile(project: project, env: env).display)
        }
        let allocation = try self.lock(allocationLock)
        defer { allocation.unlock() }
        guard removeIfEmpty(stateDirectory(project: project)) else { return }
        _ = removeIfEmpty(projectWorkspaces(project: project))
        let areas = ["generated", "changes", "layers", "bases", "sandbox", "volumes", "checkpoints", "frozen"].map { path($0, project) }
        for area in areas + [path("cache", "disk", project)] { _ = removeIfEmpty(area) }
        // Idle lock files only: one another cilo holds stays (its folder with it).
        var names: [FileName] = []
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(locks.bytes)
            defer { directory.closeIgnoringErrors() }
            try DirectoryReader(directory: directory).forEachEntry { name, _ in
                names.append(name)
                return true
            }
            for name in names {
                // Held (or gone) now: another cilo works on it, and the file stays with it.
                guard let idle = try? FileLock(path: locks.appending(name).bytes, wait: false) else { continue }
                defer { idle.unlock() }
                try directory.remove(name, directory: false)
            }
        } catch {
            return  // a lock file that cannot go keeps its folder; both are empty of meaning without a record
        }
        _ = removeIfEmpty(locks)
    }

    /// Removes an empty folder; false when it is not empty or cannot be removed.
    private func removeIfEmpty(_ folder: BytePath) -> Bool {
        guard let (parent, name) = folder.parentAndName else { return false }
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(parent.bytes)
            defer { directory.closeIgnoringErrors() }
            try directory.remove(name, directory: true)
            return true
        } catch {
            return error == .noSuchFileOrDirectory
        }
    }
}
