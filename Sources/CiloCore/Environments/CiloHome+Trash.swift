import CiloSystem
import Foundation
import SystemPackage

/// Folders a destroy could not empty because something still wrote into them (a container or
/// a git of the agent's at work): moved aside to `$CILO_HOME/trash`, so the environment goes
/// and its name is free, and removed there once nothing writes any more (`cilo doctor --fix`,
/// or the next destroy).
extension CiloHome {
    /// `$CILO_HOME/trash`.
    var trash: BytePath { path("trash") }

    /// Moves `name` in `parent` to the trash (same file system: one rename) and tries once to
    /// remove it there; what stays is `trashed()`'s. - Throws: when it cannot be moved.
    func moveToTrash(_ name: FileName, in parent: FileDescriptor) throws(Errno) {
        let folder = try Directories.makeAll(trash.bytes, mode: 0o700)
        defer { folder.closeIgnoringErrors() }
        let aside = FileName("\(Int(Date().timeIntervalSince1970))-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try parent.rename(name, to: aside, in: folder)
        do throws(Errno) { try TreeRemover.remove(aside, in: folder) } catch {
            // Still written to: it stays in the trash, which doctor reports and empties.
        }
    }

    /// The entries left in the trash.
    func trashed() throws(Errno) -> [FileName] {
        let folder: FileDescriptor
        do throws(Errno) { folder = try PathOpening.openDirectory(trash.bytes) } catch .noSuchFileOrDirectory { return [] }
        defer { folder.closeIgnoringErrors() }
        var names: [FileName] = []
        try DirectoryReader(directory: folder).forEachEntry { name, _ in
            names.append(name)
            return true
        }
        return names
    }

    /// Removes what the trash holds. - Returns: how many entries could not go yet.
    func emptyTrash() throws(Errno) -> Int {
        let names = try trashed()
        guard !names.isEmpty else { return 0 }
        let folder = try PathOpening.openDirectory(trash.bytes)
        defer { folder.closeIgnoringErrors() }
        var left = 0
        for name in names {
            do throws(Errno) { try TreeRemover.remove(name, in: folder) } catch { left += 1 }
        }
        return left
    }
}
