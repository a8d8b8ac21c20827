import CiloSystem
import Foundation
import SystemPackage

/// A project's source on an engine.
extension RemoteEngine {
    /// Brings `<home>/sources/<project>` on the engine up to the project's folder, incremental,
    /// honouring `exclude:`, deleting what the source no longer has: with rsync over the same ssh
    /// when both sides have it, else with cilo's own `SourceMirror` (the engine then needs no
    /// more than sshd, Docker and Compose). Skipped when a walk of the source gives the
    /// fingerprint of the last sync (the walk that keeps overlay bases honest: any change moves
    /// some entry's change time). `CILO_SYNC=cilo` takes cilo's own way even with rsync.
    /// - Returns: whether it synced (false: skipped, nothing changed).
    public func sync(_ project: Project, home: CiloHome, engineHasRsync: Bool) async throws(CiloError) -> Bool {
        // One sync of a project to an engine at a time from this home: a second `up` waits, then
        // finds the source as the first one sent it and skips.
        let lockPath = home.path("engines", engine.name, project.name + ".sync.lock")
        let lock = try await WorkerThreads.offload { () throws(CiloError) -> FileLock in try home.lock(lockPath) }
        defer { lock.unlock() }
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
        let withRsync = engineHasRsync && HostFacts.pathOfExecutable("rsync") != nil && HostFacts.environment("CILO_SYNC") != "cilo"
        if withRsync { try await rsync(project) } else { try await mirror(project, home: home) }
        try StateFile.save(now, name, in: record, home: home, what: "the last sync")
        return true
    }

    private func rsync(_ project: Project) async throws(CiloError) {
        let remoteFolder = engine.home + "/sources/" + project.name + "/"
        let arguments = ["-a", "--delete", "--mkpath", "-e", engine.transport.map(Engine.quoted).joined(separator: " ")]
            + project.excludes.map { "--exclude=\($0)" } + [project.root + "/", engine.destination + ":" + remoteFolder]
        let result = try await ToolRunner.run("rsync", arguments)
        guard result.succeeded else {
            // 255: ssh itself failed (its words say why); anything else is rsync's own error, said as it is.
            if result.status == 255 { throw failure(result, doing: "syncing the source") }
            throw CiloError(.failed, "engine \(engine.name): syncing \(project.name) failed: \(result.tail(2))")
        }
    }

    /// cilo's own sync: the source's list to the engine's cilo (`cilo engines receive`), which
    /// shapes its copy and names the files it needs; those go as one tar stream over ssh.
    private func mirror(_ project: Project, home: CiloHome) async throws(CiloError) {
        let root = project.root, excludes = project.excludes
        let manifest = try await WorkerThreads.offload { () throws(CiloError) -> [UInt8] in
            try SourceMirror.manifest(of: BytePath(root), excludes: excludes)
        }
        let scratch = try ScratchFiles(home: home)
        defer { scratch.removeAll() }
        try scratch.write(manifest, named: "manifest")
        let listed = try scratch.reading("manifest")
        defer { listed.closeIgnoringErrors() }
        let folder = "sources/" + project.name
        let command = engine.sshArguments(ciloCommandLine(["engines", "receive", folder], project: nil))
        let planned = try await ToolRunner.runForBytes(command[0], Array(command.dropFirst()), input: listed)
        if planned.status == 255 { throw failure(ToolResult(status: 255, output: "", error: planned.error), doing: "syncing the source") }
        guard planned.status == 0 else {
            throw CiloError(.failed, "engine \(engine.name): syncing \(project.name) failed there: \(planned.error.split(separator: "\n").suffix(2).joined(separator: " | "))")
        }
        guard !planned.output.isEmpty else { return }
        let needed = try scratch.write(planned.output, named: "needed")
        try await streamTar(
            ["-C", root, "--null", "--no-recursion", "--ignore-failed-read", "--warning=no-file-changed", "-T", needed],
            into: "\(engine.homeWord)/\(Engine.quoted(folder))", doing: "sending \(project.name)'s changed files")
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
