import CiloSystem
import SystemPackage

/// Moving the volumes of an environment made before volumes lived in cilo's home.
extension EnvironmentVolumes {
    /// What `status` says of an environment whose volumes Docker keeps, nil for one whose are in the home.
    public static func moveAdvice(_ record: EnvironmentRecord) -> String? {
        guard record.volumeFolder == nil else { return nil }
        return "its volumes are Docker's (made before cilo kept them in its home), so it cannot be forked or checkpointed: "
            + "cilo down \(record.name) && cilo up \(record.name) moves them there, with their data"
    }

    /// Moves `record`'s volumes into the home, with their data, when it was made before they lived
    /// there and none of its containers exist (after `cilo down`): each local volume Docker keeps
    /// without options of its own is copied into its folder, the record names the folder, then
    /// Docker's volume goes (compose makes the bound one at the start that follows). A failed copy
    /// leaves Docker's volumes as they were. The caller holds the lock.
    func moveIntoHome(_ record: inout EnvironmentRecord) async throws(CiloError) {
        guard record.volumeFolder == nil else { return }
        guard try await engine.managedContainers(project: record.project, env: record.name).filter({ !$0.shared }).isEmpty else { return }
        let prefix = record.dockerName + "_"
        let movable = try await engine.environmentVolumes(project: record.project, env: record.name).filter {
            $0.driver == "local" && $0.options.isEmpty && $0.name.hasPrefix(prefix) && ComposeIsolation.isFolderName(String($0.name.dropFirst(prefix.count)))
        }
        let folder = home.volumeFolder(project: record.project, env: record.name)
        try home.makeDirectory(folder).closeIgnoringErrors()
        let engineOptions = CloneOptions(strategy: .auto, cancellation: cancellation)
        var moved: [String] = []
        do throws(CiloError) {
            for volume in movable {
                let key = String(volume.name.dropFirst(prefix.count))
                _ = try await CloneEngine(options: engineOptions).clone(source: BytePath(volume.mountpoint), destination: folder.appending(FileName(key)))
                moved.append(key)
            }
        } catch {
            var failure = error
            do throws(CiloError) { try await removeCopies(moved, in: folder) } catch let cleanup {
                failure.note = "and removing the copies made failed too (\(cleanup.description))"
            }
            throw CiloError(.failed, "moving \(record.name)'s volumes into cilo's home failed; Docker's are as they were", cause: failure)
        }
        record.volumeFolder = folder.display
        try store.save(record)
        for volume in movable { try await engine.removeVolume(volume.name) }
        notice("\(record.name): \(moved.count) volume\(moved.count == 1 ? "" : "s") moved into cilo's home with their data (\(moved.joined(separator: ", ")))")
    }

    /// Removes the copies named `keys` in `folder`, on a thread of cilo's.
    func removeCopies(_ keys: [String], in folder: BytePath) async throws(CiloError) {
        let home = self.home
        try await WorkerThreads.offload { () throws(CiloError) in
            for key in keys {
                do throws(Errno) { try home.removeFolder(key, in: folder) } catch {
                    throw .system(error, "cannot remove a copy of volume \(key)", path: folder.display)
                }
            }
        }
    }
}
