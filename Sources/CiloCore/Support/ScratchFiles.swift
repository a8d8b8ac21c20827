import CiloSystem
import Foundation
import SystemPackage

/// Files cilo needs for a moment (a list or patch handed to a tool), in a folder of their own
/// under `$CILO_HOME/tmp` that goes with them.
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

    /// Writes `bytes` to the file `name` in the folder. - Returns: its path.
    @discardableResult
    func write(_ bytes: [UInt8], named file: String) throws(CiloError) -> String {
        let path = folder.appending(FileName(file))
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            // Not synced to disk: it lives as long as this command.
            let written = try directory.createFile(FileName(file), permissions: 0o600)
            defer { written.closeIgnoringErrors() }
            try written.writeAll(bytes, at: 0)
        } catch {
            throw .system(error, "cannot write cilo's scratch file", path: path.display)
        }
        return path.display
    }

    /// The file `name` in the folder, open for reading (the caller closes it).
    func reading(_ file: String) throws(CiloError) -> FileDescriptor {
        let path = folder.appending(FileName(file))
        do throws(Errno) { return try PathOpening.openForReading(path.bytes) } catch {
            throw .system(error, "cannot read cilo's scratch file", path: path.display)
        }
    }

    /// Removes the folder and what is in it. One that cannot go is said, never hidden: it stays
    /// in `$CILO_HOME/tmp`, which holds nothing else of value.
    func removeAll(warn: (String) -> Void = { HostFacts.writeToStandardError("cilo: warning: \($0)\n") }) {
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(parent.bytes)
            defer { directory.closeIgnoringErrors() }
            try TreeRemover.remove(name, in: directory)
        } catch {
            warn("cilo's scratch folder \(folder.display) was left (\(error)); it can be deleted")
        }
    }
}
