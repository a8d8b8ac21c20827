import CiloSystem
import SystemPackage

/// Where cilo keeps everything it makes: `$CILO_HOME`, default `~/.cilo`.
///
/// Workspaces live at `envs/<project>/<env>`; state, generated compose files and locks
/// beside them, never inside a workspace.
public struct CiloHome: Sendable {
    public let root: BytePath

    public init(root: BytePath) {
        self.root = root
    }

    /// `$CILO_HOME`, else `$HOME/.cilo`, else `/root/.cilo`.
    public static func fromEnvironment() -> CiloHome {
        if let home = HostFacts.environment("CILO_HOME"), !home.isEmpty { return CiloHome(root: BytePath(home)) }
        let user = HostFacts.environment("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        return CiloHome(root: BytePath(user + "/.cilo"))
    }

    func path(_ components: String...) -> BytePath {
        var result = root
        for component in components { result = result.appending(FileName(component)) }
        return result
    }

    /// The workspace of an environment.
    public func workspace(project: String, env: String) -> BytePath { path("envs", project, env) }
    /// What an environment's workspace costs on disk is in this folder: an overlay workspace's
    /// upper folder (what the agent wrote; its base is shared), else the workspace itself.
    public func diskTree(of record: EnvironmentRecord) -> BytePath {
        guard record.overlayBase != nil else { return BytePath(record.workspace) }
        return OverlayWorkspace(home: self, project: record.project, env: record.name).upper
    }
    /// The folder holding a project's workspaces.
    public func projectWorkspaces(project: String) -> BytePath { path("envs", project) }
    /// The folder holding a project's environment records.
    func stateDirectory(project: String) -> BytePath { path("state", project) }
    /// The folder of everything generated for one environment (the compose file).
    public func generatedDirectory(project: String, env: String) -> BytePath { path("generated", project, env) }
    /// cilo's git index and objects for comparing one workspace (`cilo diff`, `merge`).
    func changesDirectory(project: String, env: String) -> BytePath { path("changes", project, env) }
    /// The folder of an environment's named volumes, one folder each.
    public func volumeFolder(project: String, env: String) -> BytePath { path("volumes", project, env) }
    /// The folder of an environment's checkpoints, one folder each.
    public func checkpointFolder(project: String, env: String) -> BytePath { path("checkpoints", project, env) }
    /// The per-environment lock file: held while the environment changes.
    func lockFile(project: String, env: String) -> BytePath { path("locks", project, env + ".lock") }
    /// The lock held while subnets are chosen and reserved.
    var allocationLock: BytePath { path("locks", "allocation.lock") }

    /// Creates `path`'s folders as needed and returns an open descriptor of it.
    ///
    /// The home itself is 0711 (others may pass through to a workspace they are given, never
    /// list or read cilo's state); everything cilo makes inside is 0700, files 0600: a
    /// rendered compose file holds the project's secrets.
    public func makeDirectory(_ path: BytePath) throws(CiloError) -> FileDescriptor {
        try secureRoot()
        do throws(Errno) { return try Directories.makeAll(path.bytes, mode: 0o700) } catch {
            throw .system(error, "cannot create cilo's folder", path: path.display)
        }
    }

    /// Creates the home (0711) or takes group and other read and write bits off one made before.
    private func secureRoot() throws(CiloError) {
        do throws(Errno) {
            let root = try Directories.makeAll(self.root.bytes, mode: 0o711)
            defer { root.closeIgnoringErrors() }
            let status = try root.status()
            if status.permissions & 0o066 != 0 && status.userID == HostFacts.effectiveUserID {
                try root.setPermissions(status.permissions & ~0o066)
            }
        } catch {
            throw .system(error, "cannot create cilo's home", path: self.root.display)
        }
    }

    /// The names in the folder `path` (no dot files; with `hidden`, the dot files only), sorted;
    /// a folder that does not exist has none, one that cannot be read is an error.
    func entryNames(in path: BytePath, hidden: Bool = false) throws(CiloError) -> [String] {
        var names: [String] = []
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(path.bytes)
            defer { directory.closeIgnoringErrors() }
            try DirectoryReader(directory: directory).forEachEntry { name, _ in
                let text = name.displayString
                if text.hasPrefix(".") == hidden && text != "." && text != ".." { names.append(text) }
                return true
            }
        } catch where error == .noSuchFileOrDirectory {
            return []
        } catch {
            throw .system(error, "cannot read cilo's folder", path: path.display)
        }
        return names.sorted()
    }

    /// Whether `path` exists; an error other than "no such file" is one.
    func exists(_ path: BytePath) throws(CiloError) -> Bool {
        do throws(Errno) { return try PathOpening.statusIfPresent(path.bytes) != nil } catch {
            throw .system(error, "cannot read cilo's files", path: path.display)
        }
    }

    /// Takes an exclusive lock on `path` (creating its folder) if no other cilo holds it; nil if one does.
    func tryLock(_ path: BytePath) throws(CiloError) -> FileLock? {
        try acquire(path, wait: false)
    }

    /// Takes an exclusive lock on `path` (creating its folder), waiting for other cilo processes.
    func lock(_ path: BytePath) throws(CiloError) -> FileLock {
        guard let lock = try acquire(path, wait: true) else { throw CiloError(.failed, "cannot lock", path: path.display) }
        return lock
    }

    private func acquire(_ path: BytePath, wait: Bool) throws(CiloError) -> FileLock? {
        if let parent = path.parentAndName?.parent { try makeDirectory(parent).closeIgnoringErrors() }
        do throws(Errno) { return try FileLock(path: path.bytes, wait: wait) } catch {
            if !wait && error == .wouldBlock { return nil }
            throw .system(error, "cannot lock", path: path.display)
        }
    }

    /// Deletes `name` inside the folder `parent` with everything under it; nothing to do
    /// when either is missing. A folder something keeps writing into (it refilled on every
    /// try) goes to the trash instead (`moveToTrash`): gone from here all the same.
    func removeFolder(_ name: String, in parent: BytePath) throws(Errno) {
        try removeFolder(FileName(name), in: parent)
    }

    /// `removeFolder` of a name given as bytes.
    func removeFolder(_ name: FileName, in parent: BytePath) throws(Errno) {
        let directory: FileDescriptor
        do { directory = try PathOpening.openDirectory(parent.bytes) } catch .noSuchFileOrDirectory { return }
        defer { directory.closeIgnoringErrors() }
        do throws(Errno) { try TreeRemover.remove(name, in: directory) } catch .directoryNotEmpty {
            try moveToTrash(name, in: directory)
        }
    }
}
