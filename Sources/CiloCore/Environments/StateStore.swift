import CiloSystem
import Foundation
import SystemPackage

/// Environment records on disk: one JSON file per environment, written atomically.
/// Callers hold the environment's lock (and the allocation lock while reserving a subnet).
public struct StateStore: Sendable {
    public let home: CiloHome

    public init(home: CiloHome) {
        self.home = home
    }

    private static func fileName(_ env: String) -> FileName { FileName(env + ".json") }

    /// The record of `env` in `project`, nil when there is none.
    public func load(project: String, env: String) throws(CiloError) -> EnvironmentRecord? {
        let directoryPath = home.stateDirectory(project: project)
        let directory: FileDescriptor
        do throws(Errno) { directory = try PathOpening.openDirectory(directoryPath.bytes) } catch {
            if error == .noSuchFileOrDirectory { return nil }
            throw .system(error, "cannot read cilo's state", path: directoryPath.display)
        }
        defer { directory.closeIgnoringErrors() }
        return try decode(Self.fileName(env), in: directory, display: directoryPath.display)
    }

    /// Writes `record` atomically.
    public func save(_ record: EnvironmentRecord) throws(CiloError) {
        let directoryPath = home.stateDirectory(project: record.project)
        let directory = try home.makeDirectory(directoryPath)
        defer { directory.closeIgnoringErrors() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(record) } catch {
            throw CiloError(.failed, "cannot encode the state of \(record.name)")
        }
        do throws(Errno) { try AtomicFile.write(Array(data), to: Self.fileName(record.name), in: directory) } catch {
            throw .system(error, "cannot write cilo's state", path: directoryPath.appending(Self.fileName(record.name)).display)
        }
    }

    /// Deletes the record of `env` (and a copy an earlier cilo doctor set aside).
    public func remove(project: String, env: String) throws(CiloError) {
        let directoryPath = home.stateDirectory(project: project)
        let directory: FileDescriptor
        do throws(Errno) { directory = try PathOpening.openDirectory(directoryPath.bytes) } catch {
            if error == .noSuchFileOrDirectory { return }
            throw .system(error, "cannot read cilo's state", path: directoryPath.display)
        }
        defer { directory.closeIgnoringErrors() }
        for name in [Self.fileName(env), FileName(env + ".json.damaged")] {
            do throws(Errno) { try directory.remove(name, directory: false) } catch {
                if error != .noSuchFileOrDirectory { throw .system(error, "cannot delete the state of \(env)", path: directoryPath.display) }
            }
        }
    }

    /// Whether `env` has a state file that cannot be read (or one an earlier doctor set aside).
    /// The record of `env`, or an error naming the environment and project.
    public func required(project: String, env: String) throws(CiloError) -> EnvironmentRecord {
        guard let record = try load(project: project, env: env) else {
            throw CiloError(.notFound, "no environment '\(env)' in project '\(project)' (cilo list shows them)")
        }
        return record
    }

    public func isDamaged(project: String, env: String) throws(CiloError) -> Bool {
        try allReadable(project: project).damaged.contains(EnvironmentKey(project: project, env: env))
    }

    /// Every readable record of `project` (every project when nil), and the environments
    /// whose state file cannot be decoded: one damaged file hides no other environment.
    public func allReadable(project: String? = nil) throws(CiloError) -> (records: [EnvironmentRecord], damaged: [EnvironmentKey]) {
        try scan(project: project, tolerant: true)
    }

    /// Renames a state file that cannot be decoded to `<env>.json.damaged`.
    public func setAside(project: String, env: String) throws(CiloError) {
        let directoryPath = home.stateDirectory(project: project)
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(directoryPath.bytes)
            defer { directory.closeIgnoringErrors() }
            try directory.rename(Self.fileName(env), to: FileName(env + ".json.damaged"))
        } catch {
            throw .system(error, "cannot set the state file aside", path: directoryPath.appending(Self.fileName(env)).display)
        }
    }

    /// The folders inside `<home>/<area>/<project>/`, by project (workspaces, generated files).
    /// The projects with a folder in `area` of the home.
    func projects(in area: String) throws(CiloError) -> [String] {
        try names(in: home.path(area), suffix: nil)
    }

    func folders(in area: String) throws(CiloError) -> [EnvironmentKey] {
        var keys: [EnvironmentKey] = []
        for project in try names(in: home.path(area), suffix: nil) {
            keys += try names(in: home.path(area, project), suffix: nil).map { EnvironmentKey(project: project, env: $0) }
        }
        return keys
    }

    private func scan(project: String?, tolerant: Bool) throws(CiloError) -> (records: [EnvironmentRecord], damaged: [EnvironmentKey]) {
        let projects: [String]
        if let project {
            projects = [project]
        } else {
            projects = try names(in: home.path("state"), suffix: nil)
        }
        var records: [EnvironmentRecord] = []
        var damaged: [EnvironmentKey] = []
        for name in projects {
            let directoryPath = home.stateDirectory(project: name)
            // A project with no state folder has no records; one that cannot be read is an error,
            // never "none" (a subnet recorded there could be handed out again).
            guard let directory = try Self.openIfPresent(directoryPath) else { continue }
            defer { directory.closeIgnoringErrors() }
            let current = try names(in: directoryPath, suffix: ".json")
            // Files an earlier cilo doctor set aside are damaged environments too (their objects may
            // hold work), unless a state file of that name exists again.
            for file in try names(in: directoryPath, suffix: ".json.damaged") where !current.contains(file) {
                damaged.append(EnvironmentKey(project: name, env: file))
            }
            for file in current {
                do throws(CiloError) {
                    if let record = try decode(FileName(file + ".json"), in: directory, display: directoryPath.display) {
                        records.append(record)
                    }
                } catch {
                    guard tolerant else { throw error }
                    damaged.append(EnvironmentKey(project: name, env: file))
                }
            }
        }
        return (records.sorted { ($0.project, $0.name) < ($1.project, $1.name) }, damaged)
    }

    /// A cheap fingerprint of every record of the home: each state file's name, size and change
    /// time, no file read. Two equal fingerprints mean no record was written between them
    /// (`cilo ui` makes a full pass only when this, or Docker's containers, changed).
    public func fingerprint() throws(CiloError) -> [String] {
        var entries: [String] = []
        for project in try names(in: home.path("state"), suffix: nil) {
            let directoryPath = home.stateDirectory(project: project)
            guard let directory = try Self.openIfPresent(directoryPath) else { continue }
            defer { directory.closeIgnoringErrors() }
            var files: [FileName] = []
            do throws(Errno) {
                try DirectoryReader(directory: directory).forEachEntry { name, _ in
                    if !name.isDotOrDotDot { files.append(name) }
                    return true
                }
                for file in files {
                    guard let status = try directory.statusIfPresent(of: file) else { continue }
                    entries.append("\(project)/\(file.displayString) \(status.size) \(status.changeTime.seconds).\(status.changeTime.nanoseconds)")
                }
            } catch {
                throw .system(error, "cannot read cilo's state", path: directoryPath.display)
            }
        }
        return entries.sorted()
    }

    /// The folder at `path`, nil when it does not exist; any other failure throws.
    private static func openIfPresent(_ path: BytePath) throws(CiloError) -> FileDescriptor? {
        do throws(Errno) { return try PathOpening.openDirectory(path.bytes) } catch {
            if error == .noSuchFileOrDirectory { return nil }
            throw .system(error, "cannot read cilo's state", path: path.display)
        }
    }

    private func names(in path: BytePath, suffix: String?) throws(CiloError) -> [String] {
        guard let directory = try Self.openIfPresent(path) else { return [] }
        defer { directory.closeIgnoringErrors() }
        var result: [String] = []
        do throws(Errno) {
            try DirectoryReader(directory: directory).forEachEntry { name, _ in
                guard let text = String(validating: name.bytes, as: UTF8.self), !text.hasPrefix(".") else { return true }
                if let suffix {
                    if text.hasSuffix(suffix) { result.append(String(text.dropLast(suffix.count))) }
                } else {
                    result.append(text)
                }
                return true
            }
        } catch {
            throw .system(error, "cannot list cilo's state", path: path.display)
        }
        return result.sorted()
    }

    private func decode(_ name: FileName, in directory: FileDescriptor, display: String) throws(CiloError) -> EnvironmentRecord? {
        let bytes: [UInt8]?
        do throws(Errno) { bytes = try AtomicFile.read(name, in: directory) } catch {
            throw .system(error, "cannot read cilo's state", path: display)
        }
        guard let bytes else { return nil }
        do throws(CiloError) {
            return try RecordMigration.decode(Data(bytes))
        } catch {
            throw CiloError(.damaged, "cilo's state file is damaged: \(error.message) (cilo destroy removes the environment; its objects are left alone until then)",
                            path: display + "/" + name.displayString)
        }
    }
}
