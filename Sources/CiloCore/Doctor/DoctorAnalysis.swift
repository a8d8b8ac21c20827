/// The judgements of `cilo doctor` about environments and leftovers, from facts already
/// gathered (records, Docker's objects, folders, locks), so they can be tested alone.
enum DoctorAnalysis {
    /// What each record says against what exists: interrupted creates, missing
    /// workspaces, statuses Docker contradicts, services not running.
    /// - Parameters:
    ///   - containers: cilo's containers, nil when Docker could not be asked.
    ///   - missingWorkspaces: environments whose workspace folder does not exist.
    ///   - busy: environments whose lock another cilo holds right now.
    static func environments(
        _ records: [EnvironmentRecord], containers: [DockerClient.Container]?,
        missingWorkspaces: Set<EnvironmentKey>, busy: Set<EnvironmentKey>
    ) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        var healthy = 0
        for record in records {
            let key = EnvironmentKey(project: record.project, env: record.name)
            let subject = key.description
            if busy.contains(key) {
                findings.append(DoctorFinding(.ok, "environment", subject, "another cilo is working on it right now; not judged"))
                continue
            }
            if record.status == .creating || record.status == .destroying {
                let what = record.status == .creating ? "create" : "destroy"
                findings.append(DoctorFinding(
                    .problem, "environment", subject, "its \(what) was interrupted (the record still says \(record.status.rawValue))",
                    fix: .finishInterrupted(project: record.project, env: record.name)))
                continue
            }
            var fine = true
            if missingWorkspaces.contains(key) {
                fine = false
                findings.append(DoctorFinding(
                    .problem, "environment", subject,
                    "its workspace \(record.workspace) is missing (cilo destroy \(record.name) --project \(record.project) removes the rest)"))
            }
            if let containers {
                let reconciled = record.reconciled(with: containers)
                if reconciled.status != record.status {
                    fine = false
                    findings.append(DoctorFinding(
                        .warning, "environment", subject,
                        "recorded as \(record.status.rawValue) but Docker says \(reconciled.status.rawValue)",
                        fix: .recordStatus(project: record.project, env: record.name, status: reconciled.status)))
                }
                for service in reconciled.services where service.oomKilled == true {
                    fine = false
                    let limit = service.memoryLimit.map { "its limit is \(ByteFormatting.iec($0))" } ?? "it has no limit: the machine ran out"
                    let restarts = (service.restartCount ?? 0) > 0 ? ", restarted \(service.restartCount ?? 0) times" : ""
                    let kills = (service.oomKills ?? 0) > 0 ? "\(service.oomKills ?? 0) of its processes were" : "it was"
                    findings.append(DoctorFinding(
                        .warning, "memory", "\(subject) \(service.name)",
                        "service \(service.name): \(kills) killed for lack of memory (\(limit)\(restarts)); raise limits.memory or its mem_limit"))
                }
                // A one-shot job that finished (exit 0, not restarted) is done, and an inactive profile's service is off on purpose.
                let down = reconciled.services.filter { service in !service.isUp && !["created", "inactive"].contains(service.status) }
                if reconciled.status == .partial || (reconciled.status == .running && !down.isEmpty) {
                    fine = false
                    let list = down.map { "\($0.name) (\($0.status))" }.joined(separator: ", ")
                    findings.append(DoctorFinding(
                        .warning, "environment", subject,
                        "services not running: \(list) (cilo logs \(record.name) shows why; cilo up \(record.name) restarts them)"))
                }
            }
            if fine { healthy += 1 }
        }
        if healthy > 0 {
            findings.append(DoctorFinding(.ok, "environment", "\(healthy) of \(records.count)", "environments consistent with Docker and disk"))
        }
        return findings
    }

    /// Docker objects labelled as this home's, workspaces and generated folders that no
    /// record owns. Objects another home labelled are someone else's and left out;
    /// unlabelled ones, and workspaces, are reported but never removed.
    static func orphans(
        records: Set<EnvironmentKey>, objects: [DockerClient.ManagedObject], home: String,
        workspaces: [EnvironmentKey], generated: [EnvironmentKey]
    ) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        var owned: [EnvironmentKey: [DockerClient.ManagedObject]] = [:]
        var unowned: [EnvironmentKey: [DockerClient.ManagedObject]] = [:]
        // Shared services' objects belong to no environment: `checkShared` judges them.
        for object in objects where !object.shared {
            let key = EnvironmentKey(project: object.project, env: object.env)
            if records.contains(key) { continue }
            if object.home == home {
                owned[key, default: []].append(object)
            } else if object.home == nil {
                unowned[key, default: []].append(object)
            }
        }
        for (key, objects) in owned.sorted(by: { $0.key < $1.key }) {
            findings.append(DoctorFinding(
                .problem, "orphan", key.description, "\(DockerClient.ManagedObject.summary(objects)) left with no environment",
                fix: .removeDockerObjects(project: key.project, env: key.env)))
        }
        for (key, objects) in unowned.sorted(by: { $0.key < $1.key }) {
            findings.append(DoctorFinding(
                .warning, "orphan", key.description,
                "\(DockerClient.ManagedObject.summary(objects)) labelled by cilo but by no known home (no dev.cilo.home label): check, then remove with docker"))
        }
        for key in workspaces.sorted() where !records.contains(key) {
            // Kept by `destroy --keep-workspace`, or left by a crash: it may hold unsaved work.
            findings.append(DoctorFinding(
                .warning, "orphan", key.description,
                "a workspace folder with no environment (kept by destroy --keep-workspace, or left by a crash): "
                    + "delete it once its work is saved"))
        }
        for key in generated.sorted() where !records.contains(key) {
            findings.append(DoctorFinding(
                .problem, "orphan", key.description, "generated files with no environment",
                fix: .removeGenerated(project: key.project, env: key.env)))
        }
        return findings
    }
}
