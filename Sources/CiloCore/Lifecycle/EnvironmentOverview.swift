import CiloSystem
import Foundation

/// One environment as `cilo list --json` prints it and `cilo ui` shows it: its record reconciled
/// with Docker, with the last disk and change figures kept in the home.
public struct EnvironmentOverview: Codable, Sendable {
    /// Where it runs: `local`, or the engine's name (`cilo engines`).
    public var engine = Engine.local
    public var project: String
    public var name: String
    public var status: String
    public var subnet: String
    public var workspace: String
    public var createdAt: String
    /// From the last measurement (`cilo du <env>`, `cilo list --disk`), nil if never measured.
    public var diskExclusiveBytes: Int?
    public var diskMeasuredAt: String?
    /// Files the agent changed at the last `cilo diff` or `merge`, nil if never compared.
    public var changedFiles: Int?
    public var changesMeasuredAt: String?
    public var services: [ServiceRecord]
    /// Each running service's URL by its address (as `CILO_SERVICE_<NAME>_URL`), by service name.
    public var urls: [String: String]?
    /// How its last `cilo run` was confined; nil when unconfined (or it never ran).
    public var sandbox: SandboxSettings?
    /// How its workspace was made, and an overlay's base.
    public var cloneStrategy: String
    public var overlayBase: String?
}

extension EnvironmentManager {
    /// Every environment of the project (or of all, `allProjects`), this machine's and the other
    /// engines', with the shared services and the warnings of engines that did not answer.
    /// `measuringDisk` measures each local workspace now instead of showing the last figure.
    public func overview(allProjects: Bool, measuringDisk: Bool = false) async throws(CiloError)
        -> (environments: [EnvironmentOverview], shared: [SharedServiceSummary], warnings: [String])
    {
        let listing = try await listing(allProjects: allProjects)
        let remote = try await RemoteEnvironments(home: home).list(project: allProjects ? nil : project.name)
        let cache = WorkspaceDiskCache(home: home)
        var environments: [EnvironmentOverview] = []
        var warnings = remote.warnings
        for record in listing.records {
            var figures = cache.load(project: record.project, env: record.name)
            let changes = ChangesSummary.load(home: home, project: record.project, env: record.name)
            if measuringDisk, record.status != .damaged {
                // A workspace that cannot be measured now keeps its last figure, and that is said.
                do throws(CiloError) {
                    figures = cache.keep(try await DiskUsage().measureEnvironment(record, home: home), project: record.project, env: record.name)
                } catch {
                    warnings.append("the disk of \(record.project)/\(record.name) cannot be measured now (its last figure is shown): \(error.description)")
                }
            }
            environments.append(EnvironmentOverview(
                project: record.project, name: record.name, status: record.status.rawValue, subnet: record.subnet,
                workspace: record.workspace, createdAt: record.createdAt,
                diskExclusiveBytes: figures?.exclusiveBytes, diskMeasuredAt: figures?.measuredAt,
                changedFiles: changes?.changedFiles, changesMeasuredAt: changes?.measuredAt,
                services: record.services, urls: Self.urls(record), sandbox: record.sandbox, cloneStrategy: record.cloneStrategy.rawValue,
                overlayBase: record.overlayBase))
        }
        for (engine, listed) in remote.environments {
            environments.append(EnvironmentOverview(
                engine: engine, project: listed.project, name: listed.name, status: listed.status, subnet: listed.subnet,
                workspace: listed.workspace, createdAt: listed.createdAt, services: listed.services, cloneStrategy: ""))
        }
        return (environments, listing.shared, warnings)
    }

    /// The URL of each service that has an address.
    static func urls(_ record: EnvironmentRecord) -> [String: String]? {
        var urls: [String: String] = [:]
        for service in record.services where service.isUp {
            if let ip = service.ip { urls[service.name] = EnvironmentRecord.url(host: ip, ports: service.ports) }
        }
        return urls.isEmpty ? nil : urls
    }
}
