import CiloSystem
import SystemPackage

/// The checks and set-up before a clone, and the clean-up after a failed one.
///
/// Every check that can fail runs before anything is created, so bad input leaves
/// nothing behind.
final class ClonePlan {
    let source: BytePath
    let destination: BytePath
    let sourceStatus: FileStatus
    var sourceRoot: FileDescriptor?
    let destinationParent: FileDescriptor
    let destinationName: FileName
    /// Whether the destination existed as an empty directory (then it is kept on failure).
    let destinationExisted: Bool
    var destinationDevice: UInt64

    init(source: BytePath, destination: BytePath, options: CloneOptions) throws(CiloError) {
        self.source = source
        self.destination = destination
        let sourceStatus: FileStatus
        do throws(Errno) { sourceStatus = try PathOpening.status(source.bytes) } catch {
            throw .system(error, error == .noSuchFileOrDirectory ? "source does not exist" : "cannot read source", path: source.display)
        }
        let root: FileDescriptor
        do throws(Errno) {
            root = try PathOpening.openDirectory(source.bytes)
        } catch {
            if error == .notDirectory { throw CiloError(.invalidArgument, "source is not a directory", path: source.display) }
            throw .system(error, "cannot open source", path: source.display)
        }
        do throws(Errno) { self.sourceStatus = try root.status() } catch {
            root.closeIgnoringErrors()
            throw .system(error, "cannot read source", path: source.display)
        }
        self.sourceRoot = root

        guard let (parentPath, name) = destination.parentAndName, !name.isDotOrDotDot else {
            root.closeIgnoringErrors()
            throw CiloError(.invalidArgument, "destination must name a new directory", path: destination.display)
        }
        destinationName = name
        do throws(Errno) {
            destinationParent = try PathOpening.openDirectory(parentPath.bytes)
        } catch {
            root.closeIgnoringErrors()
            throw .system(error, "the destination's parent directory cannot be opened", path: parentPath.display)
        }
        do throws(Errno) { destinationDevice = try destinationParent.status().device } catch {
            root.closeIgnoringErrors()
            destinationParent.closeIgnoringErrors()
            throw .system(error, "the destination's parent directory cannot be read", path: parentPath.display)
        }
        var existed = false
        do throws(CiloError) {
            existed = try Self.checkDestinationFree(destinationParent, name, display: destination.display)
            // Facts that cannot be read decide nothing: a read-only file system then fails the first write, named.
            if let facts = try? FileSystemFacts(of: destinationParent), facts.isReadOnly {
                throw CiloError(.permissionDenied, "the destination is on a read-only file system", path: destination.display)
            }
            try Self.refuseDestinationInsideSource(
                self.sourceStatus, destinationParent: destinationParent, allowedInside: options.skippedDirectories,
                source: source, destination: destination)
        } catch {
            root.closeIgnoringErrors()
            destinationParent.closeIgnoringErrors()
            throw error
        }
        destinationExisted = existed
    }

    func close() {
        sourceRoot?.closeIgnoringErrors()
        sourceRoot = nil
        destinationParent.closeIgnoringErrors()
    }

    /// Hands the open source root to the cloner, which closes it.
    func takeSourceRoot() throws(CiloError) -> FileDescriptor {
        guard let root = sourceRoot else { throw CiloError(.failed, "source already handed over", path: source.display) }
        sourceRoot = nil
        return root
    }

    /// Returns true when the destination exists as an empty directory; throws when it exists otherwise.
    private static func checkDestinationFree(_ parent: FileDescriptor, _ name: FileName, display: String) throws(CiloError) -> Bool {
        let status: FileStatus
        do throws(Errno) { status = try parent.status(of: name) } catch {
            if error == .noSuchFileOrDirectory { return false }
            throw .system(error, "cannot inspect destination", path: display)
        }
        guard status.kind == .directory else {
            throw CiloError(.alreadyExists, "destination exists and is not a directory", path: display)
        }
        let directory: FileDescriptor
        do throws(Errno) { directory = try parent.openDirectory(name) } catch {
            throw .system(error, "cannot open destination", path: display)
        }
        defer { directory.closeIgnoringErrors() }
        var empty = true
        do throws(Errno) {
            try DirectoryReader(directory: directory).forEachEntry { _, _ in
                empty = false
                return false
            }
        } catch {
            throw .system(error, "cannot list destination", path: display)
        }
        guard empty else { throw CiloError(.alreadyExists, "destination exists and is not empty", path: display) }
        return true
    }

    /// Walks up from the destination's parent; reaching the source means DST is inside SRC,
    /// which is refused unless a skipped directory (cilo's home) lies between them.
    private static func refuseDestinationInsideSource(
        _ sourceStatus: FileStatus, destinationParent: FileDescriptor, allowedInside: Set<InodeKey>,
        source: BytePath, destination: BytePath
    ) throws(CiloError) {
        let sourceKey = InodeKey(device: sourceStatus.device, inode: sourceStatus.inode)
        var current = destinationParent
        var opened: [FileDescriptor] = []
        defer { for descriptor in opened { descriptor.closeIgnoringErrors() } }
        var passedSkipped = false
        // A folder on the way up that cannot be read leaves the question open: refused, never assumed outside.
        var inside = false
        do throws(Errno) {
            for _ in 0..<4096 {
                let status = try current.status()
                let key = InodeKey(device: status.device, inode: status.inode)
                if key == sourceKey {
                    inside = !passedSkipped
                    break
                }
                if allowedInside.contains(key) { passedSkipped = true }
                let parent = try current.openDirectoryPath(FileName(".."))  // search permission is enough
                opened.append(parent)
                let parentStatus = try parent.status()
                if parentStatus.inode == status.inode && parentStatus.device == status.device { break }  // reached "/"
                current = parent
            }
        } catch {
            throw .system(error, "cannot tell whether the destination is inside the source", path: destination.display)
        }
        if inside { throw CiloError(.invalidArgument, "destination is inside the source (\(source.display))", path: destination.display) }
    }
}
