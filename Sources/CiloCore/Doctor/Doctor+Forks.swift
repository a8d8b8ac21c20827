import CiloSystem
import SystemPackage

/// What a fork, checkpoint or restore killed half-way leaves: services frozen, copies half made.
extension Doctor {
    /// One finding per environment with a note of frozen services and no cilo working on it.
    func checkFrozen() -> [DoctorFinding] {
        let keys: [EnvironmentKey]
        do throws(CiloError) { keys = try store.folders(in: "frozen") } catch {
            return [DoctorFinding(.problem, "frozen", home.path("frozen").display, error.description)]
        }
        var findings: [DoctorFinding] = []
        for key in keys where key.env.hasSuffix(".json") {
            let env = String(key.env.dropLast(5))
            guard isIdle(key.project, env) else { continue }
            findings.append(DoctorFinding(
                .problem, "frozen", "\(key.project)/\(env)",
                "its services were frozen for a copy by a cilo that stopped before thawing them", fix: .thawServices(project: key.project, env: env)))
        }
        return findings
    }

    /// Copies a killed checkpoint or restore left: `.<name>.partial` checkpoints, `.<env>.restoring` states.
    func checkLeftoverCopies() -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        do throws(CiloError) {
            var found: [EnvironmentKey: [BytePath]] = [:]
            for key in try store.folders(in: "checkpoints") {
                let folder = home.checkpointFolder(project: key.project, env: key.env)
                for name in try home.entryNames(in: folder, hidden: true) where name.hasSuffix(".partial") { found[key, default: []].append(folder.appending(FileName(name))) }
            }
            for area in ["volumes", "envs"] {
                for project in try store.projects(in: area) {
                    for name in try home.entryNames(in: home.path(area, project), hidden: true) where name.hasSuffix(".restoring") {
                        let env = String(name.dropFirst().dropLast(".restoring".count))
                        found[EnvironmentKey(project: project, env: env), default: []].append(home.path(area, project, name))
                    }
                }
            }
            for key in try store.folders(in: "layers") {
                let staged = home.path("layers", key.project, key.env, ".upper.restoring")
                if try home.exists(staged) { found[key, default: []].append(staged) }
            }
            for (key, paths) in found.sorted(by: { $0.key.description < $1.key.description }) where isIdle(key.project, key.env) {
                findings.append(DoctorFinding(
                    .warning, "copies", key.description,
                    "\(paths.count) half-made cop\(paths.count == 1 ? "y" : "ies") a killed checkpoint or restore left (\(paths.map(\.display).joined(separator: ", ")))",
                    fix: .removeLeftoverCopies(project: key.project, env: key.env)))
            }
        } catch {
            findings.append(DoctorFinding(.problem, "copies", home.root.display, error.description))
        }
        return findings
    }

    /// Removes what `checkLeftoverCopies` found for one environment (the caller holds its lock).
    func removeLeftoverCopies(project: String, env: String) throws(CiloError) {
        let places: [(BytePath, String)] = [
            (home.path("volumes", project), ".\(env).restoring"), (home.path("envs", project), ".\(env).restoring"),
            (home.path("layers", project, env), ".upper.restoring"),
        ] + (try home.entryNames(in: home.checkpointFolder(project: project, env: env), hidden: true).filter { $0.hasSuffix(".partial") }
            .map { (home.checkpointFolder(project: project, env: env), $0) })
        for (folder, name) in places {
            do throws(Errno) { try home.removeFolder(name, in: folder) } catch {
                throw .system(error, "cannot delete a half-made copy", path: folder.appending(FileName(name)).display)
            }
        }
    }

    /// Whether no cilo works on the environment now (a lock held, or unreadable, means one does).
    func isIdle(_ project: String, _ env: String) -> Bool {
        guard let lock = try? home.tryLock(home.lockFile(project: project, env: env)) else { return false }
        lock.unlock()
        return true
    }
}
