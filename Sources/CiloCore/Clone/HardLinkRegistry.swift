import CiloSystem
import SystemPackage
import Synchronization

/// Remembers where the first link of every multiply-linked inode was cloned, so later
/// links to it become hard links in the destination too.
final class HardLinkRegistry: Sendable {
    private let firstLinks = Mutex<[InodeKey: [FileName]]>([:])

    /// What to do with a multiply-linked entry.
    enum Claim {
        /// The inode is new: this entry was created by `create` and is its first link.
        case created(FileDescriptor?)
        /// The inode was cloned already at these components (relative to the destination root).
        case existing([FileName])
    }

    /// Either runs `create` (under the registry lock, so a second link never sees a
    /// half-registered inode) and records `components`, or returns the first link's components.
    func claim(
        _ key: InodeKey, components: @autoclosure () -> [FileName],
        create: () throws(Errno) -> FileDescriptor?
    ) throws(Errno) -> Claim {
        try firstLinks.withLock { (links) throws(Errno) -> Claim in
            if let existing = links[key] { return .existing(existing) }
            let descriptor = try create()
            links[key] = components()
            return .created(descriptor)
        }
    }

    /// Makes `name` inside `directory` a hard link to the entry at `components` under `root`.
    /// Paths longer than PATH_MAX are reached one directory at a time.
    static func link(
        to components: [FileName], under root: FileDescriptor, into directory: FileDescriptor, name: FileName
    ) throws(Errno) {
        guard let last = components.last else { throw Errno.invalidArgument }
        var parent = root
        var opened: [FileDescriptor] = []
        defer { for descriptor in opened { descriptor.closeIgnoringErrors() } }
        for component in components.dropLast() {
            parent = try parent.openDirectoryPath(component)
            opened.append(parent)
        }
        try parent.makeHardLink(from: last, to: directory, name: name)
    }
}
