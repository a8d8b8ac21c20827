import CiloSystem
import Dispatch

/// Admission: an environment starts only while the machine holds it (`AdmissionLimits`);
/// beyond, `up` and `run` are refused at once (exit 75) or wait in line (`--wait`). The line
/// is `AdmissionQueue`'s, shared by every cilo process of the home.
public struct AdmissionControl: EnvironmentCapability {
    public let context: EnvironmentContext

    /// What one look at the line decided.
    struct AdmissionVerdict {
        var admitted: Bool
        /// 1 = next to start.
        var place: Int
        /// Why it may not start now (the limit and what runs); nil when only the line holds it back.
        var reason: String?
    }

    /// The limits that apply to starting `request.env` now.
    public func admissionLimits(_ request: EnvironmentRequest, existing: EnvironmentRecord?) throws(CiloError) -> AdmissionLimits {
        let memory = HostCapacity.memTotal(HostFacts.readSmallFile("/proc/meminfo")) ?? 0
        let limits = request.limits.over(existing?.limits ?? ResourceLimits()).over(project.config.limits)
        return try AdmissionLimits.resolve(
            config: project.config, variable: HostFacts.environment("CILO_MAX_ENVIRONMENTS"),
            plan: SavedPlan.load(home: home, project: project.name), limits: limits,
            containers: existing.map { $0.services.filter { $0.status != "inactive" }.count }, totalMemory: memory)
    }

    /// Takes a place to start `request.env` in: nil when nothing needs one (nothing starts,
    /// admission is not checked, or the environment already runs and holds its place).
    /// Beyond a limit: `.refuse` throws `busy` at once; `.wait` waits in line, first come first
    /// served across every cilo process of the home, saying its place once and when it moves.
    /// Ctrl-C leaves the line (its ticket removed) and throws `cancelled`.
    func admit(_ request: EnvironmentRequest) async throws(CiloError) -> HeldTicket? {
        guard request.start != .never, request.admission != .unchecked else { return nil }
        let existing = try store.load(project: project.name, env: request.env)
        if let existing, existing.status == .running || existing.status == .partial { return nil }
        let limits = try admissionLimits(request, existing: existing)
        let queue = AdmissionQueue(home: home)
        let home = self.home
        let start = DispatchTime.now().uptimeNanoseconds
        var held: HeldTicket?
        var lastPlace: Int?
        do throws(CiloError) {
            while true {
                if cancellation.isCancelled { throw CiloError(.cancelled, "left the line to start '\(request.env)'") }
                let lock = try await WorkerThreads.offload { () throws(CiloError) -> FileLock in try home.lock(queue.lockPath) }
                let verdict: AdmissionVerdict
                do throws(CiloError) {
                    let live = try queue.liveTickets(own: held?.ticket)
                    let ticket: HeldTicket
                    if let held { ticket = held } else {
                        ticket = try queue.issue(project: project.name, env: request.env, needBytes: limits.needBytes, after: live)
                    }
                    held = ticket
                    let tickets = live.contains(ticket.ticket) ? live : live + [ticket.ticket]
                    verdict = try await judge(ticket.ticket, tickets: tickets, limits: limits, describe: lastPlace == nil)
                    if verdict.admitted { try ticket.admit() }
                } catch {
                    lock.unlock()
                    throw error
                }
                lock.unlock()
                let waited = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if verdict.admitted {
                    if lastPlace != nil { notice("'\(request.env)' may start now (waited \(ByteFormatting.duration(waited)))") }
                    return held
                }
                switch request.admission {
                case .wait(let seconds):
                    if let seconds, waited >= seconds {
                        throw CiloError(.busy, "'\(request.env)' waited \(ByteFormatting.duration(waited)) without a place to start"
                            + (verdict.reason.map { ": \($0)" } ?? " (\(verdict.place - 1) ahead in line)"))
                    }
                default:
                    throw CiloError(.busy, "cannot start '\(request.env)' now: \(verdict.reason ?? "others are waiting in line before it"); --wait waits for a place")
                }
                if lastPlace == nil {
                    notice("waiting to start '\(request.env)': \(Self.ordinal(verdict.place)) in line" + (verdict.reason.map { "; \($0)" } ?? ""))
                } else if verdict.place != lastPlace {
                    notice("'\(request.env)' is \(Self.ordinal(verdict.place)) in line")
                }
                lastPlace = verdict.place
                await Pause.seconds(0.5)
            }
        } catch {
            held?.release()
            // Ctrl-C may stop a docker call of the judgement itself: the line was left all the same.
            if cancellation.isCancelled && error.code == .cancelled {
                throw CiloError(.cancelled, "left the line to start '\(request.env)'" + (lastPlace.map { " (\(Self.ordinal($0)) in line)" } ?? ""))
            }
            throw error
        }
    }

    /// Whether `own` may start now: first in the project's line, within the count limit,
    /// and leaving the reserve free. The caller holds the queue lock.
    private func judge(
        _ own: AdmissionQueue.Ticket, tickets: [AdmissionQueue.Ticket], limits: AdmissionLimits, describe: Bool
    ) async throws(CiloError) -> AdmissionVerdict {
        let ahead = tickets.filter { !$0.admitted && $0.project == own.project && $0.sequence < own.sequence }
        var verdict = AdmissionVerdict(admitted: false, place: ahead.count + 1, reason: nil)
        // Only the head of the line (or a first look, to say why) needs to know what runs.
        guard ahead.isEmpty || describe else { return verdict }
        let starting = tickets.filter { $0.admitted && $0 != own }
        if let maximum = limits.maxEnvironments {
            var running = try await runningEnvironments()
            running.formUnion(starting.filter { $0.project == own.project }.map(\.env))
            if running.count >= maximum {
                verdict.reason = "\(running.count) of \(maximum) environments of \(project.name) run (\(limits.maxSource)): "
                    + running.sorted().joined(separator: ", ")
            }
        }
        if verdict.reason == nil, let available = HostCapacity.memAvailable() {
            let promised = starting.reduce(0) { $0 + $1.needBytes }
            let left = available - promised - limits.needBytes
            if left < limits.reserveBytes {
                let need = limits.needBytes > 0 ? ", it needs \(ByteFormatting.iec(limits.needBytes)) (\(limits.needSource))" : ""
                let pending = promised > 0 ? ", \(ByteFormatting.iec(promised)) promised to environments starting" : ""
                verdict.reason = "\(ByteFormatting.iec(available)) of memory is available\(pending)\(need), and "
                    + "\(ByteFormatting.iec(limits.reserveBytes)) stays free (\(limits.reserveSource))"
            }
        }
        verdict.admitted = ahead.isEmpty && verdict.reason == nil
        return verdict
    }

    /// The project's environments that hold a place: running (asked of Docker), or being
    /// destroyed right now (their containers may still run).
    private func runningEnvironments() async throws(CiloError) -> Set<String> {
        let records = try store.allReadable(project: project.name).records
        var names = Set<String>()
        let recorded = records.filter { $0.status == .running || $0.status == .partial }
        if !recorded.isEmpty {
            let containers = try await engine.managedContainers(project: project.name, env: nil)
            for record in recorded {
                let status = record.reconciled(with: containers).status
                if status == .running || status == .partial { names.insert(record.name) }
            }
        }
        for record in records where record.status == .destroying {
            if let free = try home.tryLock(home.lockFile(project: project.name, env: record.name)) {
                free.unlock()  // nobody is destroying it: an interrupted destroy, not a running one
            } else {
                names.insert(record.name)
            }
        }
        return names
    }

    /// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`.
    static func ordinal(_ number: Int) -> String {
        let suffix: String
        switch (number % 10, number % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(number)\(suffix)"
    }
}
