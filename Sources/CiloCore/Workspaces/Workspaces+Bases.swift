import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// The shared bases of overlay workspaces: found, checked, made.
extension Workspaces {
    /// What `acquireBase` found or made.
    struct AcquiredBase {
        var base: OverlayBase
        /// The base clone's report, when it was made now.
        var made: CloneReport?
        /// The time spent telling whether the newest base still matches the project.
        var checkSeconds: Double
    }

    /// Under the project's bases lock: the newest base of this source and these exclusions
    /// if the project still matches it, else a new clone; bases that no record names are removed.
    ///
    /// Whether it matches is a walk of the source's status (`SourceFingerprint`), unless a walk
    /// that began after this call did already (another create that held the lock meanwhile):
    /// environments asked for at once share one check, and each still gets the project as it
    /// was at some moment after it was asked for.
    func acquireBase(for record: inout EnvironmentRecord, options: CloneOptions, askedAt arrival: BaseCheck) async throws(CiloError) -> AcquiredBase {
        let home = self.home, store = self.store, project = self.project
        let source = record.source
        let original = record
        let acquired = try await WorkerThreads.offload { () throws(CiloError) -> (AcquiredBase, EnvironmentRecord) in
            var named = original
            let lock = try home.lock(home.path("locks", project.name, "bases.lock"))
            defer { lock.unlock() }
            let (bases, unfinished) = try OverlayBase.all(project: project.name, home: home)
            let existing = try store.allReadable(project: project.name)
            let used = Set(existing.records.filter { $0.name != named.name }.compactMap(\.overlayBase))
            var checkSeconds = 0.0
            var reused: AcquiredBase?
            if let candidate = bases.first(where: { $0.source == source && $0.excludes == project.excludes }),
                try OverlayBase.hasTree(candidate.id, project: project.name, home: home)
            {
                if BaseCheck.load(candidate.id, project: project.name, home: home)?.covers(arrival) == true {
                    reused = AcquiredBase(base: candidate, made: nil, checkSeconds: 0)
                } else {
                    let checkStart = DispatchTime.now()
                    let began = BaseCheck.now()
                    let now: SourceFingerprint?
                    do throws(CiloError) {
                        now = try SourceFingerprint.of(
                            source: BytePath(source), excludes: project.excludes, skipping: options.skippedDirectories,
                            jobs: options.jobs ?? CPUCapacity.usableCPUs())
                    } catch where error.code == .notFound {
                        now = nil  // an entry went while the walk read it: the project is changing
                    }
                    checkSeconds = Self.seconds(since: checkStart)
                    if now == candidate.fingerprint {
                        reused = AcquiredBase(base: candidate, made: nil, checkSeconds: checkSeconds)
                        began.save(candidate.id, project: project.name, home: home)
                    }
                }
            }
            var chosen: AcquiredBase
            if let reused { chosen = reused } else {
                chosen = try Self.makeBase(source: source, withoutGit: named.baseCommit == nil, project: project, options: options, home: home)
                chosen.checkSeconds = checkSeconds
            }
            // Bases nobody uses go: unfinished ones, and older ones of a state that changed since.
            let idle = (unfinished + bases.map(\.id)).filter { $0 != chosen.base.id && !used.contains($0) }
            if existing.damaged.isEmpty { for id in idle { try OverlayBase.remove(id, project: project.name, home: home) } }
            named.overlayBase = chosen.base.id
            try store.save(named)
            return (chosen, named)
        }
        record = acquired.1
        return acquired.0
    }

    /// Clones `source` into a new base (the clone fingerprinting the source as it lists it), then
    /// writes `base.json`.
    private static func makeBase(
        source: String, withoutGit: Bool, project: Project, options: CloneOptions, home: CiloHome
    ) throws(CiloError) -> AcquiredBase {
        let id = OverlayBase.newID()
        let began = BaseCheck.now()
        let folder = OverlayBase.folder(id, project: project.name, home: home)
        try home.makeDirectory(folder).closeIgnoringErrors()
        do throws(CiloError) {
            let tree = folder.appending(OverlayBase.treeName)
            // The manifest only for a source without git (no commit recorded): its diff reads the source's stamps.
            let cloned = try CloneEngine(options: options).cloneRecording(
                source: BytePath(source), destination: tree, manifest: withoutGit, fingerprint: true)
            if let manifest = cloned.manifest { try manifest.save(in: folder, home: home) }
            // A snapshot walked nothing: its own entries are the source's as it was (same inodes and times).
            let fingerprint: SourceFingerprint
            if let recorded = cloned.fingerprint { fingerprint = recorded } else {
                fingerprint = try SourceFingerprint.of(
                    source: tree, excludes: project.excludes, skipping: options.skippedDirectories, jobs: options.jobs ?? CPUCapacity.usableCPUs())
            }
            if withoutGit && cloned.manifest == nil { try TreeManifest.record(snapshot: tree.display).save(in: folder, home: home) }
            let base = OverlayBase(
                id: id, source: source, excludes: project.excludes, fingerprint: fingerprint,
                createdAt: ISO8601DateFormatter().string(from: Date()), strategy: cloned.report.strategy,
                seconds: cloned.report.seconds, files: cloned.report.files, bytes: cloned.report.bytes)
            try FigureFile.save(base, OverlayBase.infoName, in: folder, home: home)
            began.save(id, project: project.name, home: home)
            return AcquiredBase(base: base, made: cloned.report, checkSeconds: 0)
        } catch {
            // What the failed clone left: removed now, or (named in the error) by the next create.
            var failure = error
            do throws(CiloError) { try OverlayBase.remove(id, project: project.name, home: home) } catch let cleanup {
                failure.note = "its unfinished base \(folder.display) is left (\(cleanup.description)); the next create removes it"
            }
            throw failure
        }
    }

}
