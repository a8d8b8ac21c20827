import CiloCore
import CiloSystem
import Foundation

/// What the dashboard shows of the whole home, read in one pass (records reconciled with Docker,
/// the cgroups' memory and CPU, the saved capacity plans, the admission line) and shared by every
/// open page and `/api/overview`: however many clients, one pass per tick. Each tick first takes
/// a cheap look (the state files' change times, Docker's listing without inspections): while
/// neither changed, the last pass is reused and memory and CPU are read again every
/// `quietRefresh` seconds only, so an idle home costs almost nothing to watch. It keeps nothing
/// but the last pass: stopping the server loses nothing.
public actor DashboardFeed {
    /// The JSON of `/api/overview` and of each `overview` event.
    struct Overview: Encodable {
        var generatedAt: String
        var environments: [Environment]
        var shared: [SharedServiceSummary]
        var capacity: [ProjectCapacity]
        var admission: [AdmissionLine.Place]
        var warnings: [String]
    }

    /// An environment as `cilo list --json` has it, with its memory and CPU now (`cilo stats`).
    struct Environment: Encodable {
        var overview: EnvironmentOverview
        var stats: EnvironmentStats?

        private enum Keys: String, CodingKey { case stats }

        func encode(to encoder: any Encoder) throws {
            try overview.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encodeIfPresent(stats, forKey: .stats)
        }
    }

    /// A project's room by its last `cilo bench`: how many more of its environments fit.
    struct ProjectCapacity: Encodable {
        var project: String
        var fits: Int
        var binding: String
        var running: Int
        var more: Int
        var measuredAt: String
    }

    /// The last look: when, its signature, the last full pass and when that was made.
    private struct Look {
        var at: ContinuousClock.Instant
        var signature: [String]?
        var json: Data
        var passAt: ContinuousClock.Instant
        /// Workspaces whose first measurement failed (`project/env`: why), not tried again.
        var unmeasurable: [String: String] = [:]
    }

    private let manager: EnvironmentManager
    /// Seconds a look is reused for.
    private let tick: Double
    /// Seconds a full pass is reused for while nothing changed.
    private let quietRefresh: Double
    private var last: Look?
    private var looking: Task<Look, Never>?

    public init(manager: EnvironmentManager, tick: Double = 2, quietRefresh: Double = 15) {
        self.manager = manager
        self.tick = tick
        self.quietRefresh = quietRefresh
    }

    /// The last look if younger than a tick, else a new one (callers at once share it).
    func current() async -> Data {
        if let last, ContinuousClock.now - last.at < .seconds(tick * 0.75) { return last.json }
        if let looking { return await looking.value.json }
        let manager = self.manager, previous = last, quietRefresh = self.quietRefresh
        let task = Task { await Self.look(manager, after: previous, quietRefresh: quietRefresh) }
        looking = task
        let look = await task.value
        last = look
        looking = nil
        return look.json
    }

    /// A full pass unless the signature equals the last one and that pass is recent enough.
    private static func look(_ manager: EnvironmentManager, after previous: Look?, quietRefresh: Double) async -> Look {
        let now = ContinuousClock.now
        let signature = await Self.signature(manager)
        if let previous, let signature, signature == previous.signature, now - previous.passAt < .seconds(quietRefresh) {
            return Look(at: now, signature: signature, json: previous.json, passAt: previous.passAt, unmeasurable: previous.unmeasurable)
        }
        var unmeasurable = previous?.unmeasurable ?? [:]
        let made = await pass(manager, unmeasurable: &unmeasurable)
        // A workspace measured for the first time shows at the next tick: its pass comes at once.
        return Look(at: now, signature: made.measured ? nil : signature, json: made.json, passAt: now, unmeasurable: unmeasurable)
    }

    /// The state files' names, sizes and change times, and Docker's containers with their state
    /// and health; nil when either cannot be read (a full pass then says why).
    private static func signature(_ manager: EnvironmentManager) async -> [String]? {
        do throws(CiloError) {
            return try manager.store.fingerprint() + (try await manager.engine.containerStates())
        } catch {
            return nil
        }
    }

    /// - Returns: the overview's JSON, and whether a workspace was measured for the first time.
    private static func pass(_ manager: EnvironmentManager, unmeasurable: inout [String: String]) async -> (json: Data, measured: Bool) {
        var warnings: [String] = []
        var measured = false
        var overview = Overview(
            generatedAt: ISO8601DateFormatter().string(from: Date()), environments: [], shared: [], capacity: [], admission: [], warnings: [])
        do throws(CiloError) {
            overview.admission = try AdmissionLine(home: manager.home).places()
        } catch {
            warnings.append(error.description)
        }
        do throws(CiloError) {
            let listed = try await manager.overview(allProjects: true)
            warnings += listed.warnings
            overview.shared = listed.shared
            var stats: [String: EnvironmentStats] = [:]
            if listed.environments.contains(where: { $0.status == "running" }) {
                do throws(CiloError) {
                    for reading in try await StatsCollector.collect(project: nil, interval: 0.2, engine: manager.engine) {
                        stats["\(reading.project)/\(reading.env)"] = reading
                    }
                } catch {
                    warnings.append("memory and CPU cannot be read now: \(error.description)")
                }
            }
            overview.environments = listed.environments.map { Environment(overview: $0, stats: stats["\($0.project)/\($0.name)"]) }
            measured = await measureOneWorkspace(listed.environments, manager, unmeasurable: &unmeasurable)
            for (environment, reason) in unmeasurable.sorted(by: { $0.key < $1.key }) where listed.environments.contains(where: { "\($0.project)/\($0.name)" == environment }) {
                warnings.append("the disk of \(environment) cannot be measured: \(reason)")
            }
            overview.capacity = capacity(listed.environments, home: manager.home)
        } catch {
            warnings.append(error.description)
        }
        overview.warnings = warnings
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every part is plain data: a failure here would be a bug, said as the page's one warning.
        return ((try? encoder.encode(overview)) ?? Data("{\"warnings\":[\"the overview could not be encoded\"]}".utf8), measured)
    }

    /// A local workspace never measured gets its first figure, one per pass (`cilo du`'s walk,
    /// off the cooperative pool), so the page shows every environment's disk without `--disk`.
    /// One that cannot be measured is remembered with its reason (said as a warning) and not
    /// tried again, so it never keeps the others from their figure.
    /// - Returns: whether one was measured.
    private static func measureOneWorkspace(
        _ environments: [EnvironmentOverview], _ manager: EnvironmentManager, unmeasurable: inout [String: String]
    ) async -> Bool {
        let skipped = unmeasurable
        guard let unmeasured = environments.first(where: {
            $0.engine == Engine.local && $0.diskExclusiveBytes == nil && $0.status != "damaged" && skipped["\($0.project)/\($0.name)"] == nil
        }) else { return false }
        let key = "\(unmeasured.project)/\(unmeasured.name)"
        do throws(CiloError) {
            // Gone since the listing: nothing to measure, and nothing to say.
            guard let record = try manager.store.load(project: unmeasured.project, env: unmeasured.name) else { return false }
            _ = WorkspaceDiskCache(home: manager.home).keep(try await DiskUsage().measureEnvironment(record, home: manager.home), project: record.project, env: record.name)
            return true
        } catch {
            unmeasurable[key] = error.description
            return false
        }
    }

    /// Each project with a saved plan: how many more of its environments fit.
    private static func capacity(_ environments: [EnvironmentOverview], home: CiloHome) -> [ProjectCapacity] {
        let projects = Set(environments.map(\.project)).sorted()
        return projects.compactMap { project in
            guard let plan = SavedPlan.load(home: home, project: project) else { return nil }
            let running = environments.filter { $0.project == project && $0.status == "running" && $0.engine == Engine.local }.count
            return ProjectCapacity(project: project, fits: plan.fits, binding: plan.binding, running: running, more: max(0, plan.fits - running), measuredAt: plan.measuredAt)
        }
    }
}
