import CiloSystem
import SystemPackage

/// Turns a folder on btrfs into a subvolume in place, so every later clone of it is a
/// constant-time snapshot instead of a per-file clone.
///
/// The contents are cloned (reflinks, exactly as `cilo clone`) into a new subvolume beside
/// the folder; the two names are then swapped in one `renameat2(RENAME_EXCHANGE)`, so the
/// path never goes missing. The old folder is kept beside it under a hidden name (it shares
/// all its data with the new one) unless `deleteOld`. Any failure before the swap deletes
/// the new subvolume and leaves the folder untouched.
public struct SubvolumeConversion: Sendable {
    public var cancellation: CancellationFlag
    /// Delete the old folder after the swap instead of keeping it.
    public var deleteOld: Bool

    public init(deleteOld: Bool = false, cancellation: CancellationFlag = CancellationFlag()) {
        self.deleteOld = deleteOld
        self.cancellation = cancellation
    }

    /// What a conversion did.
    public struct Result: Sendable {
        /// True when the folder already was a subvolume root: nothing was done.
        public var alreadySubvolume: Bool
        public var clone: CloneReport?
        /// Where the old folder is, when it was kept.
        public var keptOldFolder: String?
    }

    /// `convert` for async callers: on a thread of its own, never blocking the cooperative pool.
    public func convert(_ path: BytePath) async throws(CiloError) -> Result {
        let conversion = self
        return try await WorkerThreads.offload { () throws(CiloError) -> Result in try conversion.convert(path) }
    }

    /// Converts the folder at `path`; see the type's description.
    public func convert(_ path: BytePath) throws(CiloError) -> Result {
        guard let (parentPath, name) = path.parentAndName else {
            throw CiloError(.invalidArgument, "cannot convert the root folder", path: path.display)
        }
        let folder: FileDescriptor
        do throws(Errno) { folder = try PathOpening.openDirectory(path.bytes) } catch {
            throw .system(error, "cannot open the folder to convert", path: path.display)
        }
        defer { folder.closeIgnoringErrors() }
        let info = try FileSystemInfo.of(path, probeReflink: false)
        guard info.type == "btrfs" else {
            throw CiloError(.unsupported, "the folder is on \(info.type), not btrfs: only btrfs has subvolumes", path: path.display)
        }
        if BtrfsSubvolume.isKnownSubvolumeRoot(folder) {
            return Result(alreadySubvolume: true, clone: nil, keptOldFolder: nil)
        }
        let parent: FileDescriptor
        do throws(Errno) { parent = try PathOpening.openDirectory(parentPath.bytes) } catch {
            throw .system(error, "cannot open the folder's parent", path: parentPath.display)
        }
        defer { parent.closeIgnoringErrors() }
        let staging = FileName(bytes: Array(".".utf8) + name.bytes + Array(".cilo-subvolume".utf8))
        let old = FileName(bytes: Array(".".utf8) + name.bytes + Array(".cilo-old".utf8))
        for taken in [staging, old] where try Self.isPresent(taken, in: parent, display: parentPath) {
            throw CiloError(.alreadyExists, "\(taken.displayString) is in the way (left by an earlier conversion?): move it away first",
                            path: parentPath.appending(taken).display)
        }
        do throws(Errno) { try BtrfsSubvolume.create(staging, in: parent) } catch {
            throw .system(error, "cannot create a subvolume beside the folder", path: parentPath.appending(staging).display)
        }
        let report: CloneReport
        do throws(CiloError) {
            report = try CloneEngine(options: CloneOptions(strategy: .auto, cancellation: cancellation))
                .clone(source: path, destination: parentPath.appending(staging))
            if cancellation.isCancelled { throw CiloError(.cancelled, "conversion cancelled; the folder is unchanged") }
            // The subvolume takes the folder's place: anything the clone could not carry would be lost.
            if let first = report.skippedPaths.first {
                throw CiloError(.unsupported, "the folder holds \(report.skippedPaths.count) sockets or devices a clone cannot carry "
                                + "(first: \(first)); nothing was changed", path: path.display)
            }
            if let first = report.warnings.first {
                throw CiloError(.unsupported, "not everything could be carried over (\(first)); nothing was changed", path: path.display)
            }
            do throws(Errno) { try parent.exchange(name, with: staging) } catch {
                throw .system(error, "cannot swap the folder with its subvolume copy", path: path.display)
            }
        } catch {
            // Undoing a staging copy after a failure; that failure is the one reported.
            try? BtrfsSubvolume.delete(staging, in: parent)
            throw error
        }
        // `name` is the subvolume now; `staging` names the old folder.
        do throws(Errno) { try parent.rename(staging, to: old) } catch {
            throw .system(error, "converted, but cannot rename the old folder", path: parentPath.appending(staging).display)
        }
        if deleteOld {
            do throws(Errno) { try TreeRemover.remove(old, in: parent) } catch {
                throw .system(error, "converted, but cannot delete the old folder", path: parentPath.appending(old).display)
            }
            return Result(alreadySubvolume: false, clone: report, keptOldFolder: nil)
        }
        return Result(alreadySubvolume: false, clone: report, keptOldFolder: parentPath.appending(old).display)
    }

    /// Whether `name` is in `parent`; a failure other than absence is an error naming the folder.
    private static func isPresent(_ name: FileName, in parent: FileDescriptor, display: BytePath) throws(CiloError) -> Bool {
        do throws(Errno) {
            _ = try parent.status(of: name)
            return true
        } catch .noSuchFileOrDirectory {
            return false
        } catch {
            throw .system(error, "cannot read", path: display.appending(name).display)
        }
    }
}
