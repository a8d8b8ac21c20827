import CiloSystem
import Dispatch
import SystemPackage

/// An environment's named volumes, kept in cilo's home (`volumes/<project>/<env>/<key>`) and
/// bound by Docker's local driver, so that fork, checkpoints and restore copy them with the
/// same copy-on-write engine as workspaces: a btrfs subvolume per volume where the home is on
/// btrfs (a snapshot of it takes constant time), reflinks on XFS, a plain copy elsewhere.
public struct EnvironmentVolumes: EnvironmentCapability {
    public let context: EnvironmentContext

    /// The folder of a new environment's volumes.
    func folder(of env: String) -> BytePath { home.volumeFolder(project: project.name, env: env) }

    /// Makes the folder of each of `keys` that does not exist yet, before compose starts what
    /// mounts it: a btrfs subvolume on btrfs, else a folder, empty and 0755 as Docker makes a
    /// volume's, so the image's content at the mount point is copied in at first use.
    func prepare(_ record: EnvironmentRecord, keys: [String]) async throws(CiloError) {
        guard let folder = record.volumeFolder, !keys.isEmpty else { return }
        let home = self.home
        try await WorkerThreads.offload { () throws(CiloError) in
            let parent = try home.makeDirectory(BytePath(folder))
            defer { parent.closeIgnoringErrors() }
            let onBtrfs: Bool
            do throws(Errno) { onBtrfs = try FileSystemFacts(of: parent).kind == .btrfs } catch {
                throw .system(error, "cannot read the file system of the volumes' folder", path: folder)
            }
            for key in keys {
                let name = FileName(key)
                do throws(Errno) {
                    guard try parent.statusIfPresent(of: name) == nil else { continue }
                    if onBtrfs {
                        do throws(Errno) { try BtrfsSubvolume.create(name, in: parent) } catch {
                            // Not allowed here (no CAP_SYS_ADMIN): a folder, copied by reflinks.
                            try parent.makeDirectory(name, mode: 0o755)
                        }
                    } else {
                        try parent.makeDirectory(name, mode: 0o755)
                    }
                    try parent.setPermissions(of: name, 0o755)
                } catch {
                    throw .system(error, "cannot make the folder of volume \(key)", path: BytePath(folder).appending(name).display)
                }
            }
        }
    }

    /// The volumes kept in `folder`, by name (none when it does not exist).
    func names(in folder: BytePath) throws(CiloError) -> [String] {
        try home.entryNames(in: folder)
    }

    /// Copies every volume in `from` into `to` (made; it must not hold them yet), each by the
    /// cheapest way the file system has: a snapshot, reflinks, else a copy. On failure what was
    /// copied is removed before the error is thrown.
    func copy(from: BytePath, to: BytePath) async throws(CiloError) -> [VolumeCopy] {
        let keys = try names(in: from)
        // Made even without volumes: a restore swaps it for the live folder all the same.
        try home.makeDirectory(to).closeIgnoringErrors()
        var copies: [VolumeCopy] = []
        let engine = CloneEngine(options: CloneOptions(strategy: .auto, cancellation: cancellation))
        do throws(CiloError) {
            for key in keys {
                let report = try await engine.clone(source: from.appending(FileName(key)), destination: to.appending(FileName(key)))
                copies.append(VolumeCopy(name: key, report: report))
            }
        } catch {
            var failure = error
            do throws(CiloError) { try await removeCopies(copies.map(\.name), in: to) } catch let cleanup {
                failure.note = "and removing the copies made failed too (\(cleanup.description))"
            }
            throw failure
        }
        return copies
    }
}

/// How one volume was copied (fork, checkpoint, restore): by which strategy, how fast.
public struct VolumeCopy: Codable, Sendable, Equatable {
    public var name: String
    /// `snapshot`, `reflink`, `copy`, ... as the clone report names it.
    public var strategy: String
    public var seconds: Double
    /// The bytes of its files (nil for a snapshot, which reads none).
    public var bytes: Int?

    init(name: String, report: CloneReport) {
        self.name = name
        strategy = report.strategy
        seconds = report.seconds
        bytes = report.bytes
    }
}
