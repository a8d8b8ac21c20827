/// The manifest of a fork of a workspace diffed by manifest.
extension TreeManifest {
    /// What a fork's workspace is compared with: this manifest (the forked environment's)
    /// carried over to the fork's copy of its workspace. `copy` is what the copy's walk
    /// recorded: each entry's new status, and the status it had in the forked workspace. An
    /// entry the forked environment had not changed since it was made gets its new status (so
    /// it stays unchanged); one it had changed keeps the old status (so it shows changed in the
    /// fork too); one it had added has none (added); one it had deleted stays recorded (deleted).
    func forked(by copy: TreeManifest) -> TreeManifest {
        var fork = self
        for (path, copied) in copy.entries {
            guard let made = entries[path] else { continue }
            if let before = copied.source, TreeManifest.change(from: made.workspace, to: before) == nil, made.workspace.kind == before.kind {
                fork.entries[path] = (copied.workspace, made.source)
            }
        }
        return fork
    }
}
