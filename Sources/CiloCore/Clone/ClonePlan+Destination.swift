import CiloSystem
import SystemPackage

/// Making and unmaking the destination.
extension ClonePlan {
    /// Tries a btrfs snapshot of the source at the destination. Returns nil when the
    /// snapshot was made, else the reason it could not be.
    func snapshotIfPossible() throws(CiloError) -> CiloError? {
        guard let root = sourceRoot else { return CiloError(.failed, "source not open") }
        let isSubvolume = BtrfsSubvolume.isKnownSubvolumeRoot(root)
        guard isSubvolume else {
            return CiloError(.unsupported, "source is not the root of a btrfs subvolume (make it one with `btrfs subvolume create`)",
                             path: source.display)
        }
        if destinationExisted {
            // A snapshot cannot land on an existing directory: replace the empty one.
            do throws(Errno) { try destinationParent.remove(destinationName, directory: true) } catch {
                return .system(error, "cannot replace the empty destination with a snapshot", path: destination.display)
            }
        }
        do throws(Errno) {
            try BtrfsSubvolume.snapshot(root, into: destinationParent, name: destinationName)
            return nil
        } catch {
            if destinationExisted {
                // The empty folder the caller gave back in place; should that fail, the error below still says what did.
                try? destinationParent.makeDirectory(destinationName, mode: 0o755)
            }
            let message = error == .improperLink
                ? "cannot snapshot: the destination is not on the source's btrfs file system"
                : "cannot snapshot the source subvolume"
            return .system(error, message, path: destination.display)
        }
    }

    /// Creates (or opens the existing empty) destination directory for a per-file clone.
    func makeDestinationRoot() throws(CiloError) -> FileDescriptor {
        do throws(Errno) {
            if !destinationExisted {
                try destinationParent.makeDirectory(destinationName, mode: 0o700)
            }
            let root = try destinationParent.openDirectory(destinationName)
            destinationDevice = try root.status().device
            return root
        } catch {
            _ = removePartialDestination()
            throw .system(error, "cannot create destination", path: destination.display)
        }
    }

    /// Removes what a failed clone made: the whole destination, or the contents of a
    /// destination that existed empty before. Returns the error if removal failed.
    func removePartialDestination() -> Errno? {
        do throws(Errno) {
            if destinationExisted {
                let root = try destinationParent.openDirectory(destinationName)
                defer { root.closeIgnoringErrors() }
                try TreeRemover.removeContents(of: root)
            } else {
                try TreeRemover.remove(destinationName, in: destinationParent)
            }
            return nil
        } catch {
            return error
        }
    }
}
