/// How the user asked a tree to be cloned.
public enum CloneStrategy: String, Sendable, CaseIterable, Codable {
    /// A btrfs snapshot where possible, else per-file reflink, falling back per file.
    case auto
    /// A btrfs subvolume snapshot of the whole tree, or an error.
    case snapshot
    /// Per-file FICLONE, or an error where the file system cannot share extents.
    case reflink
    /// Per-file `copy_file_range`, falling back to read/write.
    case copyRange = "copy-range"
    /// Per-file read/write.
    case copy
    /// Environments only: an overlay of a shared read-only base (a clone made once per project
    /// state) under the environment's own upper folder (`OverlayWorkspace`).
    case overlay

    /// The per-file method a regular file starts with.
    var firstMethod: CloneMethod {
        switch self {
        case .auto, .snapshot, .reflink, .overlay: return .reflink
        case .copyRange: return .copyRange
        case .copy: return .copy
        }
    }

    /// Whether a file whose first method is unsupported may move down the ladder.
    var allowsFallback: Bool { self != .reflink && self != .snapshot }
}

/// How one regular file's data was (or will be) cloned.
public enum CloneMethod: String, Sendable, CaseIterable, Codable {
    /// FICLONE: the copy shares the source's extents.
    case reflink
    /// `copy_file_range`: the kernel copies (and some file systems share) the data.
    case copyRange = "copy-range"
    /// `pread`/`pwrite` through a user-space buffer.
    case copy

    /// The next method to try after this one reports that it cannot work here.
    var next: CloneMethod? {
        switch self {
        case .reflink: return .copyRange
        case .copyRange: return .copy
        case .copy: return nil
        }
    }
}
