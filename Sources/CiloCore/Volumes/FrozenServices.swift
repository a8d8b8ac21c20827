import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// Freezing an environment's running services while its state is copied (`cilo fork`,
/// `checkpoint`): Docker's pause (the cgroup freezer) stops every process where it stands, so
/// the copy is crash-consistent, like a disk snapshot a database recovers from as after a
/// power cut. The services run again as soon as the copies are made, whatever happened to
/// them. Before freezing, a note naming the containers is written (`frozen/<project>/<env>.json`):
/// should cilo be killed while they are frozen, the next freeze of the environment, `cilo up`
/// and `cilo doctor --fix` thaw them.
public struct FrozenServices: EnvironmentCapability {
    public let context: EnvironmentContext

    /// What is written while services are frozen.
    struct Note: Codable {
        var containers: [String]
        var pid: Int32
        var frozenAt: String
    }

    /// Runs `body` with `record`'s running services frozen (the caller holds its lock), then
    /// thaws them whether `body` succeeded, failed or was cancelled.
    /// - Returns: what `body` returned and how long the services were frozen, in seconds.
    func whileFrozen<Result: Sendable>(
        _ record: EnvironmentRecord, _ body: () async throws(CiloError) -> Result
    ) async throws(CiloError) -> (result: Result, frozenSeconds: Double) {
        try await thawLeftovers(record.name)
        let running = try await engine.managedContainers(project: record.project, env: record.name)
            .filter { !$0.shared && $0.env == record.name && $0.state == "running" }.map(\.id)
        guard !running.isEmpty else { return (try await body(), 0) }
        let note = Note(containers: running, pid: getpid(), frozenAt: ISO8601DateFormatter().string(from: Date()))
        try StateFile.save(note, noteName(record.name), in: folder, home: home, what: "the note of frozen services")
        let start = DispatchTime.now()
        let outcome: Swift.Result<Result, CiloError>
        do throws(CiloError) {
            try await engine.pause(running)
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        let thawed: CiloError?
        do throws(CiloError) {
            try await engine.unpause(running)
            try StateFile.remove(noteName(record.name), in: folder, what: "the note of frozen services")
            thawed = nil
        } catch {
            thawed = error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        switch outcome {
        case .success(let result):
            if let thawed { throw CiloError(.failed, "the copies were made but \(record.name)'s services could not be thawed (cilo doctor --fix thaws them)", cause: thawed) }
            return (result, seconds)
        case .failure(var failure):
            if let thawed { failure.note = "and thawing \(record.name)'s services failed too (\(thawed.description)): cilo doctor --fix thaws them" }
            throw failure
        }
    }

    /// Thaws what a cilo killed while `env`'s services were frozen left frozen (the caller
    /// holds its lock, so no freeze of it is in progress).
    /// - Returns: whether anything was left frozen.
    @discardableResult
    func thawLeftovers(_ env: String) async throws(CiloError) -> Bool {
        guard let note = try StateFile.load(Note.self, noteName(env), in: folder, what: "the note of frozen services") else { return false }
        try await engine.unpause(note.containers)
        try StateFile.remove(noteName(env), in: folder, what: "the note of frozen services")
        return true
    }

    /// The environments of the project with a note of frozen services.
    func leftoverNotes() throws(CiloError) -> [String] {
        try home.entryNames(in: folder).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
    }

    private var folder: BytePath { home.path("frozen", project.name) }
    private func noteName(_ env: String) -> FileName { FileName(env + ".json") }
}
