import CiloSystem
import Foundation
import SystemPackage

/// Making an environment: its subnet, its workspace and its compose file.
extension EnvironmentManager {
    /// What `createLocked` found or made.
    struct Created {
        var record: EnvironmentRecord
        /// The clone report when the workspace was made now.
        var report: CloneReport?
        /// The render made now, so a start right after does not render again.
        var rendered: ComposeIsolation.Result?
    }

    /// The existing environment, or a new one (the caller holds its lock). A create that
    /// died half-way is finished removing first; one being destroyed is refused.
    func createLocked(_ request: EnvironmentRequest) async throws(CiloError) -> Created {
        let env = request.env
        if let existing = try store.load(project: project.name, env: env) {
            switch existing.status {
            case .creating:
                // A create that died half-way (the process was killed): finish removing it first.
                try await removeEverything(existing, keepWorkspace: false)
            case .destroying:
                throw CiloError(.failed, "environment '\(env)' was being destroyed when cilo stopped: cilo destroy \(env) finishes it")
            default:
                if request.mustBeNew {
                    throw CiloError(.alreadyExists, "environment '\(env)' already exists in project '\(project.name)' (cilo up \(env) starts it)")
                }
                return Created(record: existing)
            }
        }
        let sourceDirectory = URL(fileURLWithPath: request.source ?? project.root).standardizedFileURL.path
        let composeSources = try ComposeRenderer.composeFiles(in: sourceDirectory, configured: project.composeFiles)
        let workspace = home.workspace(project: project.name, env: env)
        var record = EnvironmentRecord(
            project: project.name, name: env, subnet: "", workspace: workspace.display, source: sourceDirectory,
            composeFile: home.generatedDirectory(project: project.name, env: env).appending(FileName("compose.yml")).display,
            composeSources: composeSources, createdAt: ISO8601DateFormatter().string(from: Date()), status: .creating,
            services: [], cloneStrategy: "", lastError: nil)
        record.composeProject = EnvironmentRecord.dockerName(project: project.name, env: env)
        record.limits = request.limits.isEmpty ? nil : request.limits
        record.sharing = request.sharing.isEmpty ? nil : request.sharing
        // What the workspace is compared with later: the source's commit, when it has one.
        if FileManager.default.fileExists(atPath: sourceDirectory + "/.git") {
            do throws(CiloError) {
                record.baseCommit = try await Git(directory: sourceDirectory).answer(["rev-parse", "--verify", "-q", "HEAD^{commit}"])
            } catch where error.code == .notFound {
                notice("\(env): git is not installed, so cilo diff and merge will not know the commit it was made from")
            }
        }
        let strategy: CloneStrategy
        do throws(CiloError) {
            strategy = try await workspaceStrategy(request.strategy, source: sourceDirectory)
            record.subnet = try await reserveSubnet(for: record)
        } catch where cancellation.isCancelled {
            // Ctrl-C stopped a docker or git call of these first steps: nothing was made yet.
            throw CiloError(.cancelled, "create of '\(env)' cancelled; nothing of it was left", cause: error)
        }
        do throws(CiloError) {
            try home.makeDirectory(home.projectWorkspaces(project: project.name)).closeIgnoringErrors()
            let options = try cloneOptions(env, strategy: strategy == .overlay ? .auto : strategy)
            let engine = CloneEngine(options: options)
            let report: CloneReport
            if strategy == .overlay {
                // The base (shared, read-only) is what diff compares with: no manifest of its own.
                report = try await makeOverlayWorkspace(&record, options: options, askedAt: request.askedAt ?? BaseCheck.now())
            } else if record.baseCommit == nil {
                // Without git, diff compares with a manifest: the clone's walk records it as it goes;
                // a snapshot walks nothing, so its manifest takes a walk of its own.
                let cloned = try await engine.cloneRecordingManifest(source: BytePath(sourceDirectory), destination: workspace)
                report = cloned.report
                if let manifest = cloned.manifest {
                    try manifest.save(in: home.changesDirectory(project: record.project, env: record.name), home: home)
                } else if SnapshotBaseline.isAvailable {
                    // No walk at all: a read-only snapshot of the new workspace is its baseline.
                    _ = try await SnapshotBaseline.take(
                        of: workspace.display, in: home.changesDirectory(project: record.project, env: record.name), home: home)
                } else {
                    try await recordManifestOfSnapshot(record)
                }
            } else {
                report = try await engine.clone(source: BytePath(sourceDirectory), destination: workspace)
            }
            record.cloneStrategy = report.strategy
            record.cloneSeconds = report.seconds
            let preparation = workspacePreparation(record)
            let removed = try preparation.filterEnvFiles()
            for path in removed { notice("\(env): \(path) left out (env.copy_mode)") }
            record.removedEnvFiles = removed.isEmpty ? nil : removed
            // Starting right away: the hook and render rules come before the one compose render.
            if request.start != .never { try await prepareWorkspaceForStart(record) }
            let rendered = try await render(record, request: request, freshCopy: true)
            if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
            record.services = rendered.services.map { ServiceRecord(name: $0.name, ip: nil, ports: $0.ports, status: "created") }
                + rendered.shared.map { attachment in
                    var service = ServiceRecord(name: attachment.service.name, ip: nil, ports: attachment.service.ports, status: "created")
                    service.shared = true
                    return service
                }
            record.ingressService = rendered.ingress
            record.warnings = rendered.warnings
            record.images = rendered.images
            record.status = .created
            try store.save(record)
            return Created(record: record, report: report, rendered: rendered)
        } catch {
            do throws(CiloError) { try await removeEverything(record, keepWorkspace: false) } catch let cleanup {
                var failure = error
                failure.note = "and removing what the create made failed too (\(cleanup.description)); cilo doctor --fix finishes it"
                throw failure
            }
            if cancellation.isCancelled { throw CiloError(.cancelled, "create of '\(env)' cancelled; nothing of it was left") }
            throw error
        }
    }

    /// For a source without git: what the workspace (and the source) were, for `cilo diff`.
    /// The manifest of a snapshot workspace (its clone walked nothing): one walk of it, whose
    /// stamps are the source's too.
    private func recordManifestOfSnapshot(_ record: EnvironmentRecord) async throws(CiloError) {
        let workspace = record.workspace
        let manifest = try await WorkerThreads.offload { () throws(CiloError) -> TreeManifest in
            try TreeManifest.record(snapshot: workspace)
        }
        try manifest.save(in: home.changesDirectory(project: record.project, env: record.name), home: home)
    }

    func cloneOptions(_ env: String, strategy: CloneStrategy) throws(CiloError) -> CloneOptions {
        var options = CloneOptions(
            strategy: strategy, excludePatterns: project.excludes, cancellation: cancellation,
            turnLock: home.path("locks", "clone-turn.lock"))
        let notice = notice
        options.onWaitingForTurn = { notice("\(env): waiting while another environment's workspace is cloned (clones take turns)") }
        // Never clone cilo's own home into a workspace (a project that holds it).
        let homeStatus: FileStatus
        do throws(Errno) { homeStatus = try PathOpening.status(home.root.bytes) } catch {
            throw .system(error, "cannot read cilo's home", path: home.root.display)
        }
        options.skippedDirectories = [InodeKey(device: homeStatus.device, inode: homeStatus.inode)]
        return options
    }

    /// Chooses a free /24 and writes the record holding it, under the allocation lock.
    /// - Parameter refused: a subnet Docker just refused (an overlap it may not list yet).
    func reserveSubnet(for record: EnvironmentRecord, avoiding refused: Subnet? = nil) async throws(CiloError) -> String {
        let pool = try SubnetAllocator.pool(from: HostFacts.environment("CILO_SUBNET_POOL") ?? project.subnetPool)
        // Docker's networks are avoided when an engine answers; a create needs none.
        let engineAnswers = (try? await docker.requireEngine()) != nil
        let dockerSubnets = engineAnswers ? try await docker.networkSubnets() : []
        let home = self.home
        let store = self.store
        return try await WorkerThreads.offload { () throws(CiloError) -> String in
            let lock = try home.lock(home.allocationLock)
            defer { lock.unlock() }
            let recorded = try store.allReadable().records.filter { $0.project != record.project || $0.name != record.name }
                .compactMap { Subnet($0.subnet) }
            let avoided = recorded + dockerSubnets + SubnetAllocator.hostRoutes() + (refused.map { [$0] } ?? [])
            let subnet = try SubnetAllocator(pool: pool).allocate(avoiding: avoided)
            var reserved = record
            reserved.subnet = subnet.description
            try store.save(reserved)
            return subnet.description
        }
    }
}
