import CiloSystem
import Foundation
import SystemPackage

/// Files cilo needs for a moment (a list handed to a tool), in a folder of their own under
/// `$CILO_HOME/tmp` that goes with them.
struct ScratchFiles {
    private let parent: BytePath
    private let name: FileName
    let folder: BytePath

    init(home: CiloHome) throws(CiloError) {
        parent = home.path("tmp")
        name = FileName("scratch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        folder = parent.appending(name)
        try home.makeDirectory(folder).closeIgnoringErrors()
    }

    /// Writes `bytes` to the file `name`. - Returns: its path, and a descriptor of it open for
    /// reading from the start (the caller closes it).
    func write(_ bytes: [UInt8], named name: String) throws(CiloError) -> (path: String, descriptor: FileDescriptor) {
        let path = folder.appending(FileName(name))
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            let file = try directory.createFile(FileName(name), permissions: 0o600)
            defer { file.closeIgnoringErrors() }
            try file.writeAll(bytes, at: 0)
            return (path.display, try PathOpening.openForReading(path.bytes))
        } catch {
            throw .system(error, "cannot write cilo's scratch file", path: path.display)
        }
    }

    /// Removes the folder and what is in it; what cannot go is left in `tmp` (cilo's, harmless).
    func removeAll() {
        guard let directory = try? PathOpening.openDirectory(parent.bytes) else { return }
        defer { directory.closeIgnoringErrors() }
        try? TreeRemover.remove(name, in: directory)
    }
}
