import CiloSystem
import Foundation
import SystemPackage

/// The last measured disk cost of each environment's workspace, so `cilo list` stays fast
/// when workspaces hold a big repository (measuring one reads the extents of every file).
///
/// `cilo du <env>` and `cilo list --disk` measure and write it; `destroy` removes it. Each
/// figure carries the time it was measured, so nothing old passes for current.
public struct WorkspaceDiskCache: Sendable {
    /// One environment's figures.
    public struct Entry: Codable, Sendable, Equatable {
        public var exclusiveBytes: Int
        public var allocatedBytes: Int
        public var apparentBytes: Int
        /// ISO 8601.
        public var measuredAt: String

        public init(_ report: DiskUsageReport, at date: Date = Date()) {
            exclusiveBytes = report.exclusiveBytes
            allocatedBytes = report.allocatedBytes
            apparentBytes = report.apparentBytes
            measuredAt = ISO8601DateFormatter().string(from: date)
        }
    }

    public let home: CiloHome

    public init(home: CiloHome) {
        self.home = home
    }

    private func directory(project: String) -> BytePath { home.path("cache", "disk", project) }

    /// The last figures of `env`, nil when it was never measured (or they cannot be read).
    public func load(project: String, env: String) -> Entry? {
        FigureFile.load(Entry.self, FileName(env + ".json"), in: directory(project: project))
    }

    /// Records `env`'s figures, replacing the last ones atomically.
    public func save(_ entry: Entry, project: String, env: String) throws(CiloError) {
        try FigureFile.save(entry, FileName(env + ".json"), in: directory(project: project), home: home)
    }

    /// Keeps a measurement of `env`'s workspace, if it is complete (nothing unreadable);
    /// returns its figures either way.
    @discardableResult
    public func keep(_ report: DiskUsageReport, project: String, env: String) -> Entry {
        let entry = Entry(report)
        // Not kept when it cannot be written: the next look measures again.
        if report.unreadable.isEmpty { try? save(entry, project: project, env: env) }
        return entry
    }

    /// Forgets `env`'s figures (it was destroyed).
    public func remove(project: String, env: String) throws(CiloError) {
        let folder = directory(project: project)
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            try directory.remove(FileName(env + ".json"), directory: false)
        } catch .noSuchFileOrDirectory {
            // Never measured.
        } catch {
            throw .system(error, "cannot delete the environment's disk figures", path: folder.appending(FileName(env + ".json")).display)
        }
    }
}
