import CiloSystem

/// Services a fork or checkpoint froze and a killed cilo never thawed.
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
            // A lock held (or unreadable) means a fork or checkpoint is copying now: not left over.
            guard let lock = try? home.tryLock(home.lockFile(project: key.project, env: env)) else { continue }
            lock.unlock()
            findings.append(DoctorFinding(
                .problem, "frozen", "\(key.project)/\(env)",
                "its services were frozen for a copy by a cilo that stopped before thawing them", fix: .thawServices(project: key.project, env: env)))
        }
        return findings
    }
}
