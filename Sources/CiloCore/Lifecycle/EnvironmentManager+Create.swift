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
        /// What a fork did, when it was one.
        var fork: ForkReport?
    }

    /// The existing environment, or a new one (the caller holds its lock). A create that
    /// died half-way is finished removing first; one being destroyed is refused.
    func createLocked(_ request: EnvironmentRequest) async throws(CiloError) -> Created {
        let env = request.env
        if request.fork == env { throw CiloError(.invalidArgument, "cannot fork '\(env)' into itself: name a new environment") }
        if request.fork != nil && request.source != nil {
            throw CiloError(.invalidArgument, "--fork copies an environment and --from clones a folder: give one of them")
        }
        if let existing = try store.load(project: project.name, env: env) {
            switch existing.status {
            case .creating:
                // A create that died half-way (the process was killed): finish removing it first.
                try await removal.removeEverything(existing, keepWorkspace: false)
            case .destroying:
                throw CiloError(.failed, "environment '\(env)' was being destroyed when cilo stopped: cilo destroy \(env) finishes it")
            default:
                if request.mustBeNew {
                    throw CiloError(.alreadyExists, "environment '\(env)' already exists in project '\(project.name)' (cilo up \(env) starts it)")
                }
                return Created(record: existing)
            }
        }
        if let from = request.fork { return try await forkLocked(request, from: from) }
        let template = request.template ?? project.config.template
        if let template, template != env, request.source == nil {
            let source = URL(fileURLWithPath: project.root).standardizedFileURL.path
            if let reason = try await templates.unusableReason(template, source: source) {
                notice("\(env): made from the project, not forked from template '\(template)': \(reason)")
            } else {
                notice("\(env): forked from template '\(template)'")
                return try await forkLocked(request, from: template)
            }
        }
        let sourceDirectory = URL(fileURLWithPath: request.source ?? project.root).standardizedFileURL.path
        let composeSources = try ComposeRenderer.composeFiles(in: sourceDirectory, configured: project.composeFiles)
        let workspace = home.workspace(project: project.name, env: env)
        var record = EnvironmentRecord(
            project: project.name, name: env, subnet: "", workspace: workspace.display, source: sourceDirectory,
            composeFile: home.generatedDirectory(project: project.name, env: env).appending(FileName("compose.yml")).display,
            composeSources: composeSources, createdAt: ISO8601DateFormatter().string(from: Date()), status: .creating,
            services: [], cloneStrategy: .none, lastError: nil)
        record.volumeFolder = home.volumeFolder(project: project.name, env: env).display
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
            // The template itself: the project as it is before the clone, what its forks are judged by.
            if env == template { record.sourceFingerprint = try await templates.fingerprint(of: sourceDirectory, env: env) }
            strategy = try await workspaces.strategy(request.strategy, source: sourceDirectory)
            record.subnet = try await network.reserve(for: record)
        } catch where cancellation.isCancelled {
            // Ctrl-C stopped a docker or git call of these first steps: nothing was made yet.
            throw CiloError(.cancelled, "create of '\(env)' cancelled; nothing of it was left", cause: error)
        }
        do throws(CiloError) {
            stage("cloning the workspace of '\(env)' (\(strategy.rawValue))")
            let report = try await workspaces.make(&record, strategy: strategy, askedAt: request.askedAt ?? BaseCheck.now())
            guard let method = EnvironmentRecord.WorkspaceMethod(reportName: report.strategy) else {
                throw CiloError(.failed, "the workspace was made by a method cilo does not know: \(report.strategy)")
            }
            record.cloneStrategy = method
            record.cloneSeconds = report.seconds
            let preparation = workspaces.preparation(record)
            let removed = try preparation.filterEnvFiles()
            for path in removed { notice("\(env): \(path) left out (env.copy_mode)") }
            record.removedEnvFiles = removed.isEmpty ? nil : removed
            // Starting right away: the hook and render rules come before the one compose render.
            if request.start != .never { try await workspaces.prepareForStart(record) }
            stage("rendering the compose file of '\(env)'")
            let rendered = try await renderNew(&record, request: request, freshCopy: true)
            return Created(record: record, report: report, rendered: rendered)
        } catch {
            throw await rollBackCreate(record, after: error)
        }
    }

    /// Renders a new environment's compose file and records what it holds; saves it `created`.
    func renderNew(_ record: inout EnvironmentRecord, request: EnvironmentRequest, freshCopy: Bool) async throws(CiloError) -> ComposeIsolation.Result {
        let rendered = try await stack.render(record, request: request, freshCopy: freshCopy)
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
        return rendered
    }

    /// Removes what a failed or cancelled create made. - Returns: the error to report.
    func rollBackCreate(_ record: EnvironmentRecord, after error: CiloError) async -> CiloError {
        do throws(CiloError) { try await removal.removeEverything(record, keepWorkspace: false) } catch let cleanup {
            var failure = error
            failure.note = "and removing what the create made failed too (\(cleanup.description)); cilo doctor --fix finishes it"
            return failure
        }
        if cancellation.isCancelled { return CiloError(.cancelled, "create of '\(record.name)' cancelled; nothing of it was left") }
        return error
    }
}
