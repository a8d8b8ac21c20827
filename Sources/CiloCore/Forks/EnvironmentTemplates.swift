import CiloSystem

/// Warm templates: `template: <env>` in `.cilo/config.yml` (or `--template`) names an
/// environment of the project that new ones are forked from, migrated and seeded, while the
/// project's source is what it was when the template was made. Freshness is the overlay base's
/// rule: a fingerprint of every entry's path and status (change times included, which no user
/// can set back), taken before the template's workspace was cloned, against one taken now.
public struct EnvironmentTemplates: EnvironmentCapability {
    public let context: EnvironmentContext

    /// The fingerprint of `source` now, excluding what clones exclude.
    func fingerprint(of source: String, env: String) async throws(CiloError) -> SourceFingerprint {
        let options = try Workspaces(context: context).cloneOptions(env, strategy: .auto)
        let excludes = project.excludes
        return try await WorkerThreads.offload { () throws(CiloError) -> SourceFingerprint in
            try SourceFingerprint.of(
                source: BytePath(source), excludes: excludes, skipping: options.skippedDirectories, jobs: CPUCapacity.usableCPUs())
        }
    }

    /// Why `template` cannot be forked now for a new environment of `source`; nil when it can.
    func unusableReason(_ template: String, source: String) async throws(CiloError) -> String? {
        guard let record = try store.load(project: project.name, env: template) else {
            return "it does not exist (cilo up \(template) makes it)"
        }
        guard record.status.isSettled && record.status != .failed else { return "it is \(record.status.rawValue)" }
        guard record.source == source else { return "it was made from \(record.source), not \(source)" }
        guard record.volumeFolder != nil else { return "it was made before cilo kept volumes in its home" }
        guard let made = record.sourceFingerprint else {
            return "it was made before it was named the template, so cilo does not know the project as it was (destroy and make it again)"
        }
        let now: SourceFingerprint
        do throws(CiloError) { now = try await fingerprint(of: source, env: template) } catch where error.code == .notFound {
            return "the project is changing (an entry went while it was read)"
        }
        return now == made ? nil : "the project has changed since it was made (cilo destroy \(template) && cilo up \(template) refreshes it)"
    }
}
