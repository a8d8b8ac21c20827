import CiloSystem
import SystemPackage

/// The admission line as a reader sees it (`cilo ui`): each environment waiting for a place or
/// admitted and starting, oldest first, read from the ticket names without taking the line's
/// lock (a ticket whose process just died shows until the next cilo of the home removes it).
public struct AdmissionLine: Sendable {
    /// One place in the line.
    public struct Place: Codable, Sendable, Equatable {
        public var project: String
        public var env: String
        /// Admitted (starting now) rather than waiting.
        public var admitted: Bool
        /// Memory it is expected to take once it runs.
        public var needBytes: Int
    }

    public let home: CiloHome

    public init(home: CiloHome) {
        self.home = home
    }

    /// The places, oldest first; none when the line's folder does not exist yet (nobody waited).
    /// A folder that cannot be read is an error, never an empty line.
    public func places() throws(CiloError) -> [Place] {
        let folder = AdmissionQueue(home: home).folder
        var tickets: [AdmissionQueue.Ticket] = []
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            try DirectoryReader(directory: directory).forEachEntry { name, _ in
                if let ticket = AdmissionQueue.Ticket(name) { tickets.append(ticket) }
                return true
            }
        } catch {
            if error == .noSuchFileOrDirectory { return [] }
            throw .system(error, "cannot read the admission line", path: folder.display)
        }
        return tickets.sorted { $0.sequence < $1.sequence }.map {
            Place(project: $0.project, env: $0.env, admitted: $0.admitted, needBytes: $0.needBytes)
        }
    }
}
