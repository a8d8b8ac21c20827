/// Counts one worker keeps while cloning; merged once at the end, so the hot path
/// touches no shared memory for them.
struct CloneTally: Sendable {
    var files = 0
    var directories = 0
    var symlinks = 0
    var hardlinks = 0
    var fifos = 0
    var bytes = 0
    var cloned = 0
    var rangeCopied = 0
    var copied = 0
    var excluded = 0
    var skippedPaths: [String] = []
    var warnings: [String] = []
    /// With `recordsManifest`: every entry made (folders, the root as the empty path, once
    /// complete), its new status and the source's as the walk listed it.
    var manifest: [(path: [UInt8], workspace: TreeManifest.Stamp, source: TreeManifest.Stamp)] = []
    /// Manifest entries with more than one link: each further link changes their ctime, so their
    /// status is read again once the clone is done.
    var manifestLinked: [[UInt8]] = []
    /// With `fingerprintsSource`: the source's entries as the walk listed them (an overlay base's).
    var fingerprint = SourceFingerprint()

    mutating func count(_ method: CloneMethod) {
        switch method {
        case .reflink: cloned += 1
        case .copyRange: rangeCopied += 1
        case .copy: copied += 1
        }
    }

    mutating func merge(_ other: CloneTally) {
        files += other.files
        directories += other.directories
        symlinks += other.symlinks
        hardlinks += other.hardlinks
        fifos += other.fifos
        bytes += other.bytes
        cloned += other.cloned
        rangeCopied += other.rangeCopied
        copied += other.copied
        excluded += other.excluded
        skippedPaths += other.skippedPaths
        warnings += other.warnings
        manifest += other.manifest
        manifestLinked += other.manifestLinked
        fingerprint.merge(other.fingerprint)
    }

    /// The strategy name the report shows: the one method used, or `mixed`.
    func strategyName(default fallback: CloneMethod) -> String {
        let used: [(Int, CloneMethod)] = [(cloned, .reflink), (rangeCopied, .copyRange), (copied, .copy)]
        let nonzero = used.filter { $0.0 > 0 }
        if nonzero.count > 1 { return "mixed" }
        return (nonzero.first?.1 ?? fallback).rawValue
    }
}
