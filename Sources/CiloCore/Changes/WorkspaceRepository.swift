import CiloSystem
import Foundation
import SystemPackage

/// A workspace's git repository as cilo's own git calls see it: through a git folder of cilo's
/// (`$CILO_HOME/changes/<project>/<env>/git`) whose `config` cilo writes, with the workspace's
/// HEAD (copied), refs and objects (linked) and `info/exclude` (copied). The workspace's own
/// `.git/config` is the agent's and is never read by a git cilo runs: no hook, fsmonitor,
/// filter, textconv or merge driver, pager, ssh command, `include` or `core.worktree` of it
/// applies, and files are hashed and compared as their bytes. Its `.git` is located by reading
/// it as data (a folder, or a `gitdir:` file), never by running git in the workspace.
struct WorkspaceRepository: Sendable {
    /// The workspace (the work tree of every call).
    let workspace: String
    /// cilo's git folder over the workspace's repository.
    let gitDirectory: String
    /// The workspace's object folder.
    let objects: String
    /// The workspace's index file (it may be missing).
    let index: String
    /// What of the workspace's own configuration is not run, one line each (for a note).
    let ignoredDrivers: [String]

    /// Git in the workspace through cilo's folder; `environment` adds or overrides variables
    /// (an index or an object folder of cilo's).
    func git(_ environment: [String: String] = [:]) -> Git {
        Git(directory: workspace, environment: viewEnvironment.merging(environment) { $1 })
    }

    /// Copies the workspace's index (read as data: a FIFO or symlink there is no index) to
    /// `destination`, keeping its mtime: git reads an entry written in the same second as the
    /// index again ("racy"); a copy dated now would trust a same-size rewrite of it.
    /// - Returns: false when the workspace has no index.
    func copyIndex(to destination: BytePath) throws(CiloError) -> Bool {
        guard let (folder, name) = destination.parentAndName else { return false }
        do throws(Errno) {
            guard let bytes = try PathOpening.readSmallRegularFile(Array(index.utf8), limit: 4 << 30),
                let status = try PathOpening.statusIfPresent(Array(index.utf8))
            else { return false }
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            try AtomicFile.write(bytes, to: name, in: directory, permissions: 0o600)
            try directory.setTimes(of: name, access: status.modificationTime, modification: status.modificationTime)
            return true
        } catch {
            throw .system(error, "cannot copy the workspace's git index", path: index)
        }
    }

    /// `GIT_DIR` and `GIT_WORK_TREE` of this view.
    var viewEnvironment: [String: String] { ["GIT_DIR": gitDirectory, "GIT_WORK_TREE": workspace] }

    /// Opens `workspace`'s repository through cilo's folder `folder` (made or brought up to date).
    /// - Returns: nil when the workspace has no `.git`.
    static func open(_ workspace: String, in folder: BytePath, home: CiloHome) async throws(CiloError) -> WorkspaceRepository? {
        guard let located = try locate(workspace) else { return nil }
        let head = try readData(located.gitDirectory + "/HEAD", limit: 4096)
        guard let head, !head.isEmpty else {
            throw CiloError(.failed, "the workspace's git HEAD is missing or not a file", path: located.gitDirectory + "/HEAD")
        }
        // The ignore rules are data: copied, so untracked files are judged as the workspace's git judges them.
        let exclude = try readData(located.common + "/info/exclude", limit: 1 << 20) ?? []
        let workspaceConfig = try readData(located.common + "/config", limit: 1 << 20) ?? []
        let directory = folder.appending(FileName("git"))
        let handle: FileDescriptor
        do throws(Errno) { handle = try Directories.makeAll(directory.bytes, mode: 0o700) } catch {
            throw .system(error, "cannot prepare cilo's view of the workspace's git repository", path: directory.display)
        }
        defer { handle.closeIgnoringErrors() }
        let configuration = try await configuration(of: workspaceConfig, in: handle, directory: directory)
        do throws(Errno) {
            try writeIfChanged(head, "HEAD", in: handle)
            try writeIfChanged(Array(configuration.cilosConfig.utf8), "config", in: handle)
            try link(handle, "objects", to: located.common + "/objects")
            try link(handle, "refs", to: located.common + "/refs")
            try link(handle, "packed-refs", to: located.common + "/packed-refs")
            if configuration.usesReftable { try link(handle, "reftable", to: located.common + "/reftable") }
            let info = try Directories.makeAll(directory.appending(FileName("info")).bytes, mode: 0o700)
            defer { info.closeIgnoringErrors() }
            try writeIfChanged(exclude, "exclude", in: info)
        } catch {
            throw .system(error, "cannot prepare cilo's view of the workspace's git repository", path: directory.display)
        }
        return WorkspaceRepository(
            workspace: workspace, gitDirectory: directory.display, objects: located.common + "/objects",
            index: located.gitDirectory + "/index", ignoredDrivers: configuration.drivers)
    }

    /// What `workspaceConfig` (the workspace's `.git/config`) says, read once per content: its
    /// copy (`workspace-config`) and the reading (`configuration.json`) are kept in cilo's folder,
    /// so a diff of an unchanged repository spawns no `git config`.
    private static func configuration(
        of workspaceConfig: [UInt8], in folder: FileDescriptor, directory: BytePath
    ) async throws(CiloError) -> RepositoryConfiguration {
        let copy = FileName("workspace-config"), reading = FileName("configuration.json")
        do throws(Errno) {
            if try AtomicFile.read(copy, in: folder) == workspaceConfig, let kept = try AtomicFile.read(reading, in: folder),
                let configuration = try? JSONDecoder().decode(RepositoryConfiguration.self, from: Data(kept))  // unreadable: read again below
            {
                return configuration
            }
            try AtomicFile.write(workspaceConfig, to: copy, in: folder, permissions: 0o600)
        } catch {
            throw .system(error, "cannot keep a copy of the workspace's git config", path: directory.display)
        }
        let configuration = workspaceConfig.isEmpty
            ? RepositoryConfiguration() : try await RepositoryConfiguration.read(copy: directory.appending(copy).display)
        let encoded: Data
        do { encoded = try JSONEncoder().encode(configuration) } catch {
            throw CiloError(.failed, "cannot encode the reading of the workspace's git config", cause: ErrorText(error))
        }
        do throws(Errno) { try AtomicFile.write(Array(encoded), to: reading, in: folder, permissions: 0o600) } catch {
            throw .system(error, "cannot keep the reading of the workspace's git config", path: directory.display)
        }
        return configuration
    }

    /// Writes `bytes` to `name` in `folder` unless it holds them already (no fsync on every diff).
    private static func writeIfChanged(_ bytes: [UInt8], _ name: String, in folder: FileDescriptor) throws(Errno) {
        if try AtomicFile.read(FileName(name), in: folder) == bytes { return }
        try AtomicFile.write(bytes, to: FileName(name), in: folder, permissions: 0o600)
    }

    /// A small file of the workspace's repository, read as data (see `PathOpening.readSmallRegularFile`).
    private static func readData(_ path: String, limit: Int) throws(CiloError) -> [UInt8]? {
        do throws(Errno) { return try PathOpening.readSmallRegularFile(Array(path.utf8), limit: limit) } catch {
            throw .system(error, "cannot read the workspace's git file", path: path)
        }
    }

    /// The workspace's git folder and the common folder of its refs and objects (a linked
    /// worktree's `commondir`), read as data.
    static func locate(_ workspace: String) throws(CiloError) -> (gitDirectory: String, common: String)? {
        let dotGit = workspace + "/.git"
        let status: FileStatus?
        do throws(Errno) { status = try PathOpening.statusIfPresent(Array(dotGit.utf8)) } catch {
            throw .system(error, "cannot read the workspace's .git", path: dotGit)
        }
        guard let status else { return nil }
        var gitDirectory = dotGit
        if status.kind == .regular {
            guard let text = try readData(dotGit, limit: 4096),
                let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first, line.hasPrefix("gitdir: ")
            else {
                throw CiloError(.failed, "the workspace's .git file names no git folder", path: dotGit)
            }
            gitDirectory = absolute(String(line.dropFirst(8)).trimmingCharacters(in: .whitespaces), in: workspace)
        } else if status.kind != .directory {
            return nil
        }
        let commonLink = try readData(gitDirectory + "/commondir", limit: 4096)
        let common = commonLink.map { absolute(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), in: gitDirectory) }
        return (gitDirectory, common ?? gitDirectory)
    }

    /// Points `name` in `folder` at `target` (made again when it pointed elsewhere).
    private static func link(_ folder: FileDescriptor, _ name: String, to target: String) throws(Errno) {
        let fileName = FileName(name)
        if let status = try folder.statusIfPresent(of: fileName) {
            if status.kind == .symbolicLink, try folder.symbolicLinkTarget(of: fileName) == Array(target.utf8) { return }
            try folder.remove(fileName, directory: status.kind == .directory)
        }
        try folder.makeSymbolicLink(fileName, target: Array(target.utf8))
    }

    private static func absolute(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }
}
