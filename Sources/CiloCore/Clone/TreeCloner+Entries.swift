import CiloSystem
import SystemPackage

/// Cloning the non-directory entries of one directory.
extension TreeCloner {
    func clone(_ entries: [PendingEntry], in node: DirectoryNode, tally: inout CloneTally) {
        for entry in entries {
            if cancellation.isCancelled { return }
            do throws(CiloError) {
                try clone(entry, in: node, tally: &tally)
            } catch {
                fail(error)
                return
            }
        }
    }

    private func clone(_ entry: PendingEntry, in node: DirectoryNode, tally: inout CloneTally) throws(CiloError) {
        let status = entry.status
        let path = node.path.appending(entry.name)
        if status.linkCount > 1 {
            let key = InodeKey(device: status.device, inode: status.inode)
            let claim: HardLinkRegistry.Claim
            do throws(Errno) {
                claim = try hardLinks.claim(key, components: node.components + [entry.name]) { () throws(Errno) in
                    try create(entry, in: node)
                }
            } catch {
                throw .system(error, "cannot create", path: destinationPath(path))
            }
            switch claim {
            case .existing(let components):
                do throws(Errno) {
                    try HardLinkRegistry.link(to: components, under: destinationRoot, into: node.destination, name: entry.name)
                } catch {
                    throw .system(error, "cannot make hard link", path: destinationPath(path))
                }
                tally.hardlinks += 1
                try record(entry, in: node, path: path, opened: nil, tally: &tally)
                progress.add(files: 1, bytes: 0)
            case .created(let descriptor):
                try finishEntry(entry, created: descriptor, in: node, tally: &tally)
            }
            return
        }
        let descriptor: FileDescriptor?
        do throws(Errno) { descriptor = try create(entry, in: node) } catch {
            // A symlink whose target cannot be read any more was removed or replaced since it was listed.
            if entry.status.kind == .symbolicLink && (Self.meansChanged(error) || error == .invalidArgument) { sourceChanged(at: path) }
            throw .system(error, "cannot create", path: destinationPath(path))
        }
        try finishEntry(entry, created: descriptor, in: node, tally: &tally)
    }

    /// Creates the destination entry: an open empty file, a symlink or a FIFO.
    private func create(_ entry: PendingEntry, in node: DirectoryNode) throws(Errno) -> FileDescriptor? {
        switch entry.status.kind {
        case .regular:
            return try node.destination.createFile(entry.name, permissions: entry.status.permissions)
        case .symbolicLink:
            let target = try node.source.symbolicLinkTarget(of: entry.name, sizeHint: Int(entry.status.size))
            try node.destination.makeSymbolicLink(entry.name, target: target)
            return nil
        case .characterDevice:
            try node.destination.makeWhiteout(entry.name, mode: entry.status.permissions)
            return nil
        default:
            try node.destination.makeFIFO(entry.name, mode: entry.status.permissions)
            return nil
        }
    }

    /// Fills and finishes an entry `create` made: data, attributes, owner, mode, times.
    private func finishEntry(
        _ entry: PendingEntry, created: FileDescriptor?, in node: DirectoryNode, tally: inout CloneTally
    ) throws(CiloError) {
        let status = entry.status
        let path = node.path.appending(entry.name)
        guard let destination = created else {
            do throws(Errno) {
                if settings.preserveOwnership && ownerDiffers(status) {
                    try node.destination.setOwner(of: entry.name, userID: status.userID, groupID: status.groupID)
                }
                if status.kind != .symbolicLink && needsExplicitPermissions(status) {
                    try node.destination.setPermissions(of: entry.name, status.permissions)
                }
                try node.destination.setTimes(of: entry.name, access: status.accessTime, modification: status.modificationTime)
            } catch {
                throw .system(error, "cannot set metadata", path: destinationPath(path))
            }
            if status.kind == .symbolicLink { tally.symlinks += 1 } else { tally.fifos += 1 }
            try record(entry, in: node, path: path, opened: nil, tally: &tally)
            progress.add(files: 1, bytes: 0)
            return
        }
        defer { destination.closeIgnoringErrors() }
        let source: FileDescriptor
        do throws(Errno) {
            source = try node.source.openForReading(entry.name, noAccessTime: settings.noAccessTime)
        } catch {
            throw readFailure(error, "cannot read", path: path)
        }
        defer { source.closeIgnoringErrors() }
        if status.size > 0 {
            do throws(Errno) {
                let method = try copier.copy(
                    from: source, to: destination, size: status.size, sparse: status.mayBeSparse,
                    devices: (status.device, destinationDevice), firstMethod: settings.strategy.firstMethod)
                tally.count(method)
            } catch {
                if settings.strategy == .reflink && FileContentCopier<KernelFileData>.meansUnsupported(error) {
                    throw CiloError(.unsupported, "cannot reflink (the file systems cannot share extents; use --strategy auto)",
                                    path: sourcePath(path), cause: error)
                }
                throw .system(error, "cannot copy data", path: destinationPath(path))
            }
        }
        // A file written while it was copied is no copy of any one state of it: the clone is made again.
        let after: FileStatus
        do throws(Errno) { after = try source.status() } catch {
            throw .system(error, "cannot read", path: sourcePath(path))
        }
        if after.size != status.size || after.modificationTime != status.modificationTime {
            sourceChanged(at: path)
            throw CiloError(.failed, "the source file changed while it was copied", path: sourcePath(path))
        }
        copyExtendedAttributes(from: source, to: destination, path: path, tally: &tally)
        do throws(Errno) {
            try applyMetadata(status, to: destination)
        } catch {
            throw .system(error, "cannot set metadata", path: destinationPath(path))
        }
        tally.files += 1
        tally.bytes += Int(status.size)
        try record(entry, in: node, path: path, opened: destination, tally: &tally)
        progress.add(files: 1, bytes: Int(status.size))
    }

    /// With `recordsManifest`: the finished entry's status (read from `opened` when it is open)
    /// beside the source's, so no walk after the clone is needed.
    private func record(_ entry: PendingEntry, in node: DirectoryNode, path: BytePath, opened: FileDescriptor?, tally: inout CloneTally) throws(CiloError) {
        if settings.fingerprintsSource { tally.fingerprint.add(path.bytes, TreeManifest.Stamp(entry.status)) }
        guard settings.recordsManifest else { return }
        do throws(Errno) {
            let made: FileStatus
            if let opened { made = try opened.status() } else { made = try node.destination.status(of: entry.name) }
            tally.manifest.append((path.bytes, TreeManifest.Stamp(made), TreeManifest.Stamp(entry.status)))
            if entry.status.linkCount > 1 { tally.manifestLinked.append(path.bytes) }
        } catch {
            throw .system(error, "cannot read the new entry's status", path: destinationPath(path))
        }
    }

    /// Owner, mode and times of an open file or directory, in that order (chown clears setuid).
    func applyMetadata(_ status: FileStatus, to destination: FileDescriptor) throws(Errno) {
        if settings.preserveOwnership && ownerDiffers(status) {
            try destination.setOwner(userID: status.userID, groupID: status.groupID)
        }
        if status.kind == .directory || needsExplicitPermissions(status) || (settings.preserveOwnership && ownerDiffers(status)) {
            try destination.setPermissions(status.permissions)
        }
        try destination.setTimes(access: status.accessTime, modification: status.modificationTime)
    }

    private func ownerDiffers(_ status: FileStatus) -> Bool {
        status.userID != settings.ownerID || status.groupID != settings.groupID
    }

    /// Whether creating with these permissions leaves some bits unset (umask, or setuid/setgid/sticky).
    private func needsExplicitPermissions(_ status: FileStatus) -> Bool {
        status.permissions & settings.creationMask != 0 || status.permissions & 0o7000 != 0
    }

    /// Copies every extended attribute the destination accepts; refusals become warnings.
    func copyExtendedAttributes(from source: FileDescriptor, to destination: FileDescriptor, path: BytePath, tally: inout CloneTally) {
        let names: [[UInt8]]
        do throws(Errno) { names = try source.extendedAttributeNames() } catch { return }
        for name in names {
            do throws(Errno) {
                let value = try source.extendedAttribute(name)
                try destination.setExtendedAttribute(name, value: value)
            } catch {
                if error == .noSpace || error == .ioError {
                    fail(.system(error, "cannot copy extended attribute", path: destinationPath(path)))
                    return
                }
                tally.warnings.append("extended attribute \(DisplayBytes.string(name)) not copied on \(path.display): \(error)")
            }
        }
    }
}
