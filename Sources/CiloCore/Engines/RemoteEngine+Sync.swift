import CiloSystem
import Foundation
import SystemPackage

/// A project's source on an engine.
extension RemoteEngine {
    /// Brings `<home>/sources/<project>` on the engine up to the project's folder: rsync over
    /// the same ssh, incremental, honouring `exclude:`, deleting what the source no longer has.
    /// Skipped when a walk of the source gives the fingerprint of the last sync (the walk that
    /// keeps overlay bases honest: any change moves some entry's change time).
    /// - Returns: whether it synced (false: skipped, nothing changed).
    public func sync(_ project: Project, home: CiloHome) async throws(CiloError) -> Bool {
        let record = home.path("engines", engine.name)
        let name = FileName(project.name + ".synced")
        let root = project.root
        let excludes = project.excludes
        let now = try await WorkerThreads.offload { () throws(CiloError) -> SourceFingerprint in
            try SourceFingerprint.of(source: BytePath(root), excludes: excludes, skipping: [], jobs: CPUCapacity.usableCPUs())
        }
        // A record that cannot be read costs one sync more, nothing else: it is written anew after it.
        let last = try? StateFile.load(SourceFingerprint.self, name, in: record, what: "the last sync")
        if last == now { return false }
        // Forgotten first: a sync cut off half-way is never taken for a whole one.
        try StateFile.remove(name, in: record, what: "the last sync")
        let remoteFolder = engine.home + "/sources/" + project.name + "/"
        let arguments = ["-a", "--delete", "--mkpath", "-e", engine.transport.map(Engine.quoted).joined(separator: " ")]
            + excludes.map { "--exclude=\($0)" } + [root + "/", engine.destination + ":" + remoteFolder]
        let result = try await ToolRunner.run("rsync", arguments)
        guard result.succeeded else {
            if result.status == 255 || result.error.contains("connection unexpectedly closed") { throw failure(result, doing: "syncing the source") }
            throw CiloError(.failed, "engine \(engine.name): syncing \(project.name) failed: \(result.tail(2))")
        }
        try StateFile.save(now, name, in: record, home: home, what: "the last sync")
        return true
    }
}

/// An engine's room.
extension RemoteEngine {
    /// What `cilo engines room` says there (its cilo must be in place: `prepare`).
    public func room(project: String?, maxEnvironments: Int? = nil) async throws(CiloError) -> EngineRoom {
        let result = try await cilo(
            ["engines", "room", "--json"] + (project.map { ["--for", $0] } ?? []) + (maxEnvironments.map { ["--max", String($0)] } ?? []),
            project: nil)
        guard result.succeeded else { throw CiloError(.failed, "engine \(engine.name): cilo engines room failed there: \(result.tail(1))") }
        do { return try JSONDecoder().decode(EngineRoom.self, from: Data(result.output.utf8)) } catch {
            throw CiloError(.failed, "engine \(engine.name): cannot read what room it has", cause: ErrorText(error))
        }
    }
}
