import CiloSystem
import SystemPackage

/// Deletes a directory tree through directory descriptors: never follows a symlink out
/// of the tree, never enters another mount (an overlay workspace, a bind mount: EBUSY),
/// copes with read-only directories, deletes btrfs subvolumes as such.
public enum TreeRemover {
    /// Removes the entry `name` inside `parent`, and everything under it when it is a directory.
    public static func remove(_ name: FileName, in parent: FileDescriptor) throws(Errno) {
        try remove(name, in: parent, parentDevice: try parent.status().device)
    }

    /// How often a folder is emptied again when something wrote into it meanwhile (git packing
    /// objects in a workspace being destroyed) before the ENOTEMPTY is the caller's.
    static let refills = 5

    private static func remove(_ name: FileName, in parent: FileDescriptor, parentDevice: UInt64) throws(Errno) {
        var tries = 0
        while true {
            do throws(Errno) {
                try removeOnce(name, in: parent, parentDevice: parentDevice)
                return
            } catch .directoryNotEmpty where tries < refills {
                tries += 1
            } catch .notDirectory where tries < refills {
                tries += 1  // a folder replaced by a file meanwhile: looked at again
            }
        }
    }

    private static func removeOnce(_ name: FileName, in parent: FileDescriptor, parentDevice: UInt64) throws(Errno) {
        let status: FileStatus
        do {
            status = try parent.status(of: name)
        } catch .noSuchFileOrDirectory {
            return
        }
        guard status.kind == .directory else {
            do throws(Errno) { try parent.remove(name, directory: false) } catch .noSuchFileOrDirectory {}  // gone meanwhile
            return
        }
        let directory: FileDescriptor
        do throws(Errno) { directory = try parent.openDirectory(name) } catch .noSuchFileOrDirectory { return }
        let isSubvolume = BtrfsSubvolume.isKnownSubvolumeRoot(directory)
        // Another device that is not a subvolume of this btrfs is a mount point: never emptied.
        if status.device != parentDevice && !isSubvolume {
            directory.closeIgnoringErrors()
            throw Errno.resourceBusy
        }
        if isSubvolume {
            directory.closeIgnoringErrors()
            do {
                try BtrfsSubvolume.delete(name, in: parent)
                return
            } catch {
                // Not allowed (no CAP_SYS_ADMIN, no user_subvol_rm_allowed): empty it and rmdir,
                // which an empty subvolume's owner may do.
            }
            let reopened = try parent.openDirectory(name)
            defer { reopened.closeIgnoringErrors() }
            try removeContents(of: reopened)
        } else {
            defer { directory.closeIgnoringErrors() }
            try removeContents(of: directory)
        }
        do throws(Errno) { try parent.remove(name, directory: true) } catch .noSuchFileOrDirectory {}
    }

    /// Removes everything inside the open directory `directory`, leaving the directory itself.
    public static func removeContents(of directory: FileDescriptor) throws(Errno) {
        let status = try directory.status()
        // Make sure entries can be unlinked even if the directory was cloned read-only.
        if status.permissions & 0o700 != 0o700 {
            // Without the permission the removal below fails, and that failure is the one reported.
            try? directory.setPermissions(status.permissions | 0o700)
        }
        var names: [FileName] = []
        let reader = DirectoryReader(directory: directory)
        try reader.forEachEntry { name, _ in
            names.append(name)
            return true
        }
        for name in names {
            try remove(name, in: directory, parentDevice: status.device)
        }
    }
}
