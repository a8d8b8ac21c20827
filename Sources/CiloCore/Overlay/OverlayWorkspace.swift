import CiloSystem
import Foundation
import SystemPackage

/// One environment's overlay workspace: the base's tree (read-only, shared) under the
/// environment's own upper folder, mounted at the workspace path. The upper and overlayfs's
/// scratch folder live in `$CILO_HOME/layers/<project>/<env>/`, on the home's file system.
struct OverlayWorkspace: Sendable {
    let home: CiloHome
    let project: String
    let env: String

    init(home: CiloHome, project: String, env: String) {
        self.home = home
        self.project = project
        self.env = env
    }

    var layers: BytePath { home.path("layers", project, env) }
    /// What the agent wrote: new and changed files, whiteouts for what it removed.
    var upper: BytePath { layers.appending(FileName("upper")) }
    var work: BytePath { layers.appending(FileName("work")) }
    var mountPoint: BytePath { home.workspace(project: project, env: env) }

    /// Whether an overlay is mounted at the workspace path: an overlayfs whose device is not
    /// its folder's (a btrfs snapshot workspace has a device of its own too, and is no mount).
    static func isMounted(_ path: BytePath) throws(CiloError) -> Bool {
        guard let (parent, _) = path.parentAndName else { return false }
        do throws(Errno) {
            guard let status = try PathOpening.statusIfPresent(path.bytes), status.kind == .directory,
                try PathOpening.status(parent.bytes).device != status.device
            else { return false }
            let folder = try PathOpening.openDirectory(path.bytes)
            defer { folder.closeIgnoringErrors() }
            return try FileSystemFacts(of: folder).kind == .overlay
        } catch {
            throw .system(error, "cannot read the workspace", path: path.display)
        }
    }

    /// The error for an environment whose upper folder is missing: never mounted as an empty one.
    private var gone: CiloError {
        CiloError(.notFound, "the workspace of '\(env)' is gone (its upper folder, what the agent wrote, is missing)", path: upper.display)
    }

    /// Mounts the workspace on `base`'s tree unless it is mounted already (never twice).
    /// The upper folder is made when `creating`, with the tree root's owner, mode and times
    /// (the workspace's root shows the upper's); later, a missing one is a workspace gone (never
    /// silently an empty one). A base deleted by hand is an error even while a mount still
    /// shows what it was.
    func mount(base tree: BytePath, creating: Bool) throws(CiloError) {
        let treeStatus: FileStatus
        do throws(Errno) { treeStatus = try PathOpening.status(tree.bytes) } catch {
            if error == .noSuchFileOrDirectory {
                throw CiloError(.notFound, "the overlay base of '\(env)' is gone: cilo doctor --fix makes it again from the project", path: tree.display)
            }
            throw .system(error, "cannot read the overlay base", path: tree.display)
        }
        if try Self.isMounted(mountPoint) { return }
        let layersFolder: FileDescriptor
        if creating {
            layersFolder = try home.makeDirectory(layers)
        } else {
            do throws(Errno) { layersFolder = try PathOpening.openDirectory(layers.bytes) } catch {
                throw gone
            }
        }
        defer { layersFolder.closeIgnoringErrors() }
        do throws(Errno) {
            if try layersFolder.statusIfPresent(of: FileName("upper")) == nil {
                guard creating else { throw Errno.noSuchFileOrDirectory }
                // One a create killed half-way left goes first.
                try TreeRemover.remove(FileName("scratch-upper"), in: layersFolder)
                try layersFolder.makeDirectory(FileName("scratch-upper"), mode: 0o700)
                let made = try layersFolder.openDirectory(FileName("scratch-upper"))
                defer { made.closeIgnoringErrors() }
                if treeStatus.userID != HostFacts.effectiveUserID || treeStatus.groupID != HostFacts.effectiveGroupID {
                    try made.setOwner(userID: treeStatus.userID, groupID: treeStatus.groupID)
                }
                try made.setPermissions(treeStatus.permissions)
                try made.setTimes(access: treeStatus.accessTime, modification: treeStatus.modificationTime)
                try layersFolder.rename(FileName("scratch-upper"), to: FileName("upper"))
            }
            if try layersFolder.statusIfPresent(of: FileName("work")) == nil {
                try layersFolder.makeDirectory(FileName("work"), mode: 0o700)
            }
        } catch .noSuchFileOrDirectory where !creating {
            throw gone
        } catch {
            throw .system(error, "cannot make the workspace's upper folder", path: upper.display)
        }
        let parent = try home.makeDirectory(home.projectWorkspaces(project: project))
        defer { parent.closeIgnoringErrors() }
        let name = FileName(env)
        do throws(Errno) {
            if try parent.statusIfPresent(of: name) == nil { try parent.makeDirectory(name, mode: 0o700) }
        } catch {
            throw .system(error, "cannot make the workspace's mount point", path: mountPoint.display)
        }
        do throws(OverlayMount.Refusal) {
            try OverlayMount.mount(lower: tree.bytes, upper: upper.bytes, work: work.bytes, on: name, in: parent)
        } catch {
            throw Self.failure(error, upper: upper)
        }
    }

    /// The one-line error for a refused mount, with the kernel's reason when it gave one.
    static func failure(_ refusal: OverlayMount.Refusal, upper: BytePath) -> CiloError {
        let reason = refusal.reason.map { ": \($0)" } ?? ""
        switch refusal.errno {
        case .notPermitted, .permissionDenied:
            return CiloError(.permissionDenied, "cannot mount an overlay workspace: mounting needs CAP_SYS_ADMIN\(reason)", path: upper.display)
        case .operationNotSupportedByDevice:
            return CiloError(.unsupported, "cannot mount an overlay workspace: this kernel has no overlayfs\(reason)", path: upper.display)
        default:
            return CiloError(.unsupported, "cannot mount an overlay workspace on cilo's home\(reason)", path: upper.display, cause: refusal.errno)
        }
    }

    /// Mounts an overlay of empty folders in `home/tmp` and unmounts it (a few milliseconds):
    /// nil when that works, else the kernel's reason the home cannot hold an overlay.
    static func probe(_ home: CiloHome) -> String? {
        let folder = home.path("tmp", "overlay-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        var refusal: String?
        do throws(CiloError) {
            let directory = try home.makeDirectory(folder)
            defer { directory.closeIgnoringErrors() }
            do throws(Errno) {
                for name in ["lower", "upper", "work", "merged"] { try directory.makeDirectory(FileName(name), mode: 0o700) }
                do throws(OverlayMount.Refusal) {
                    try OverlayMount.mount(
                        lower: folder.appending(FileName("lower")).bytes, upper: folder.appending(FileName("upper")).bytes,
                        work: folder.appending(FileName("work")).bytes, on: FileName("merged"), in: directory)
                } catch {
                    refusal = failure(error, upper: home.root).message + (error.reason == nil ? " (\(error.errno))" : "")
                }
            } catch {
                refusal = "cannot make folders in cilo's home (\(error))"
            }
        } catch {
            return error.description
        }
        // What the trial made goes; a trial mount that cannot go is a reason too (nothing is left unsaid).
        do throws(CiloError) {
            try unmount(folder.appending(FileName("merged")))
            if let (parent, name) = folder.parentAndName {
                do throws(Errno) { try home.removeFolder(name.displayString, in: parent) } catch {
                    throw .system(error, "cannot remove the trial overlay's folders", path: folder.display)
                }
            }
        } catch {
            return refusal ?? error.description
        }
        return refusal
    }

    /// Unmounts the workspace if mounted; one still in use (a shell inside it) is detached and
    /// goes when its last user leaves. - Returns: whether it had to be detached.
    @discardableResult
    static func unmount(_ path: BytePath) throws(CiloError) -> Bool {
        guard try isMounted(path) else { return false }
        do throws(Errno) {
            do throws(Errno) {
                try OverlayMount.unmount(path.bytes)
                return false
            } catch .resourceBusy {
                try OverlayMount.unmount(path.bytes, detach: true)
                return true
            }
        } catch {
            throw .system(error, "cannot unmount the workspace", path: path.display)
        }
    }

    /// Unmounts and deletes the layers (the mount point goes with the workspace folder).
    func remove() throws(CiloError) {
        try Self.unmount(mountPoint)
        do throws(Errno) { try home.removeFolder(env, in: home.path("layers", project)) } catch {
            throw .system(error, "cannot delete the workspace's upper folder", path: layers.display)
        }
    }
}
