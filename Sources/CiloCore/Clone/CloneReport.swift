/// What a clone did: the JSON of `cilo clone --json` and the base of its human report.
public struct CloneReport: Sendable, Codable, Equatable {
    public var source: String
    public var destination: String
    /// `snapshot`, `reflink`, `copy-range`, `copy` or `mixed` (several methods were used).
    public var strategy: String
    /// Counts are nil for a snapshot: it is made without visiting the tree.
    public var files: Int?
    public var directories: Int?
    public var symlinks: Int?
    /// Entries made as additional hard links to an inode already cloned.
    public var hardlinks: Int?
    public var fifos: Int?
    /// Bytes of regular-file data (each hard-linked inode once).
    public var bytes: Int?
    public var cloned: Int?
    public var rangeCopied: Int?
    public var copied: Int?
    /// Sockets and device nodes left out; `skippedPaths` names them.
    public var skipped: Int?
    public var skippedPaths: [String]
    /// Entries left out by `--exclude`.
    public var excluded: Int?
    /// Extended attributes that could not be copied (namespace not allowed or not supported).
    public var warnings: [String]
    public var jobs: Int
    public var seconds: Double
    /// For an overlay workspace: its base and where the time went.
    public var overlay: Overlay?

    /// How an overlay workspace was made.
    public struct Overlay: Sendable, Codable, Equatable {
        /// The base's id (`bases/<project>/<id>`).
        public var base: String
        /// Whether the base was cloned now (the first environment of this project state).
        public var baseMade: Bool
        /// How the base was cloned (`reflink`, `copy-range`, ...).
        public var baseStrategy: String
        /// Telling whether the newest base still matches the project (a walk of its status).
        public var checkSeconds: Double
        public var mountSeconds: Double
    }

    enum CodingKeys: String, CodingKey {
        case source, destination, strategy, files, directories, symlinks, hardlinks, fifos, bytes
        case cloned, rangeCopied, copied, skipped, skippedPaths, excluded, warnings, jobs, seconds, overlay
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(destination, forKey: .destination)
        try container.encode(strategy, forKey: .strategy)
        // Counts are written as null, not left out, when a snapshot did not count them.
        try container.encode(files, forKey: .files)
        try container.encode(directories, forKey: .directories)
        try container.encode(symlinks, forKey: .symlinks)
        try container.encode(hardlinks, forKey: .hardlinks)
        try container.encode(fifos, forKey: .fifos)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(cloned, forKey: .cloned)
        try container.encode(rangeCopied, forKey: .rangeCopied)
        try container.encode(copied, forKey: .copied)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(skippedPaths, forKey: .skippedPaths)
        try container.encode(excluded, forKey: .excluded)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(seconds, forKey: .seconds)
        try container.encodeIfPresent(overlay, forKey: .overlay)
    }
}
