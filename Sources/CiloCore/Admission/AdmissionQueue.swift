import Synchronization
import CiloSystem
import SystemPackage

/// The line of environments waiting to start, shared by every cilo process of a home:
/// one ticket file per place in `$CILO_HOME/admission/`, each locked (`flock`) by the process
/// it belongs to, so a ticket whose process died (even by `kill -9`) is seen as such and
/// removed. The folder changes only under `locks/admission.lock`.
///
/// A ticket's name says everything about it: `w_<sequence>_<need>_<project>_<env>` while it
/// waits, `a_...` once admitted (renamed: the lock stays on the same file). Names never hold `_`.
struct AdmissionQueue {
    let home: CiloHome

    var folder: BytePath { home.path("admission") }
    var lockPath: BytePath { home.path("locks", "admission.lock") }

    /// One ticket, as its file name says.
    struct Ticket: Equatable, Sendable {
        var admitted: Bool
        var sequence: Int
        /// Bytes of memory the environment is expected to take once it runs.
        var needBytes: Int
        var project: String
        var env: String

        var fileName: FileName { FileName("\(admitted ? "a" : "w")_\(String(sequence))_\(needBytes)_\(project)_\(env)") }

        init(admitted: Bool, sequence: Int, needBytes: Int, project: String, env: String) {
            self.admitted = admitted
            self.sequence = sequence
            self.needBytes = needBytes
            self.project = project
            self.env = env
        }

        init?(_ name: FileName) {
            let parts = name.displayString.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5, parts[0] == "a" || parts[0] == "w", let sequence = Int(parts[1]), let need = Int(parts[2]) else { return nil }
            self.init(admitted: parts[0] == "a", sequence: sequence, needBytes: need, project: parts[3], env: parts[4])
        }
    }

    /// The live tickets, oldest first; tickets whose process is gone are removed. The caller
    /// holds the queue lock. `own` is skipped in the liveness test (this process holds it).
    func liveTickets(own: Ticket?) throws(CiloError) -> [Ticket] {
        let directory = try home.makeDirectory(folder)
        defer { directory.closeIgnoringErrors() }
        var names: [FileName] = []
        do throws(Errno) {
            try DirectoryReader(directory: directory).forEachEntry { name, _ in
                names.append(name)
                return true
            }
        } catch {
            throw .system(error, "cannot read the admission line", path: folder.display)
        }
        var live: [Ticket] = []
        for name in names {
            guard let ticket = Ticket(name) else { continue }
            if ticket == own {
                live.append(ticket)
                continue
            }
            // Lockable means nobody holds it: its process is gone.
            guard let stale = try home.tryLock(folder.appending(name)) else {
                live.append(ticket)
                continue
            }
            // A file that cannot be removed now is found stale again by the next look.
            try? directory.remove(name, directory: false)
            stale.unlock()
        }
        return live.sorted { $0.sequence < $1.sequence }
    }

    /// Takes the next place in line: a ticket file created and locked by this process.
    func issue(project: String, env: String, needBytes: Int, after live: [Ticket]) throws(CiloError) -> HeldTicket {
        let ticket = Ticket(admitted: false, sequence: (live.map(\.sequence).max() ?? 0) + 1, needBytes: needBytes, project: project, env: env)
        guard let lock = try home.tryLock(folder.appending(ticket.fileName)) else {
            throw CiloError(.failed, "cannot take a place in the admission line", path: folder.appending(ticket.fileName).display)
        }
        return HeldTicket(queue: self, ticket: ticket, lock: lock)
    }
}

/// This process's place in the admission line: its ticket file and the lock that says it lives.
final class HeldTicket: Sendable {
    let queue: AdmissionQueue
    private let state: Mutex<(ticket: AdmissionQueue.Ticket, lock: FileLock?)>

    /// The ticket as it is now (admitted or waiting).
    var ticket: AdmissionQueue.Ticket { state.withLock { $0.ticket } }

    init(queue: AdmissionQueue, ticket: AdmissionQueue.Ticket, lock: FileLock) {
        self.queue = queue
        self.state = Mutex((ticket, lock))
    }

    /// Marks the ticket admitted (a rename: the lock stays on the file). The caller holds the queue lock.
    func admit() throws(CiloError) {
        var admitted = ticket
        admitted.admitted = true
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(queue.folder.bytes)
            defer { directory.closeIgnoringErrors() }
            try directory.rename(ticket.fileName, to: admitted.fileName)
        } catch {
            throw .system(error, "cannot mark an admission ticket", path: queue.folder.display)
        }
        state.withLock { $0.ticket = admitted }
    }

    /// Leaves the line: the file removed, then the lock dropped. Safe to call twice.
    func release() {
        let held = state.withLock { state -> (AdmissionQueue.Ticket, FileLock)? in
            defer { state.lock = nil }
            return state.lock.map { (state.ticket, $0) }
        }
        guard let (ticket, lock) = held else { return }
        // A file left behind is unlocked: the next look at the line removes it as stale.
        if let directory = try? PathOpening.openDirectory(queue.folder.bytes) {
            try? directory.remove(ticket.fileName, directory: false)
            directory.closeIgnoringErrors()
        }
        lock.unlock()
    }

    deinit { release() }
}
