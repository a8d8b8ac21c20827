import Foundation

/// One shared service as `list`, `status` and `doctor` show it: its container's state and the
/// environments using it now.
public struct SharedServiceSummary: Codable, Sendable, Equatable {
    public var project: String
    public var service: String
    /// `running (healthy)`, `exited (0)`, or `not started`.
    public var status: String
    public var containerID: String?
    /// The environments using it now (listed and alive).
    public var usedBy: [String]
    /// When it stops, nobody using it (ISO 8601); nil while used or stopped.
    public var stopsAt: String?

    /// Whether its container runs.
    public var isRunning: Bool { status.hasPrefix("running") || status.hasPrefix("restarting") }

    /// The shared services of `projects` (every project of the home when nil): one state file
    /// and one Docker listing per project that has any.
    public static func read(projects: [String]?, of services: SharedServices) async throws(CiloError) -> [SharedServiceSummary] {
        let home = services.home
        var summaries: [SharedServiceSummary] = []
        let names = if let projects { projects } else { try services.projects() }
        for project in names where try SharedServiceState.exists(project: project, home: home) {
            let state = try SharedServiceState.load(project: project, home: home)
            let containers = try await services.engine.sharedContainers(project: project)
            let names = Set(state.services.keys).union(containers.map(\.service))
            for name in names.sorted() {
                let container = containers.first { $0.service == name }
                let live = try state.liveUsers(of: name, project: project, home: home)
                let stopAt = live.isEmpty ? state.services[name]?.stopAt : nil
                summaries.append(SharedServiceSummary(
                    project: project, service: name, status: container.map(ComposeStack.statusText) ?? "not started",
                    containerID: container.map { String($0.id.prefix(12)) }, usedBy: live.sorted(),
                    stopsAt: stopAt.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: $0)) }))
            }
        }
        return summaries
    }

    /// `records` with each shared service's users filled in (`usedBy`).
    public static func annotate(_ records: [EnvironmentRecord], with summaries: [SharedServiceSummary]) -> [EnvironmentRecord] {
        records.map { record in
            var annotated = record
            annotated.services = record.services.map { service in
                guard service.shared == true else { return service }
                var updated = service
                updated.usedBy = summaries.first { $0.project == record.project && $0.service == service.name }?.usedBy ?? []
                return updated
            }
            return annotated
        }
    }
}
