import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// When a base was last found to match the project: the moment its check's walk (or its
/// clone) began, on the system-wide monotonic clock of this boot. A create asked for before
/// that moment needs no walk of its own: the base matched the project after it was asked for.
struct BaseCheck: Codable, Sendable {
    /// `/proc/sys/kernel/random/boot_id`: a moment of another boot covers nothing.
    var boot: String
    var nanoseconds: UInt64

    static let fileName = FileName("checked.json")

    /// Now, on this boot's monotonic clock.
    static func now() -> BaseCheck {
        BaseCheck(boot: bootID, nanoseconds: DispatchTime.now().uptimeNanoseconds)
    }

    private static let bootID = (HostFacts.readSmallFile("/proc/sys/kernel/random/boot_id").map { String(decoding: $0, as: UTF8.self) } ?? "")
        .trimmingCharacters(in: .whitespacesAndNewlines)

    /// Whether a check that began at this moment answers for a create asked for at `arrival`.
    func covers(_ arrival: BaseCheck) -> Bool {
        !boot.isEmpty && boot == arrival.boot && nanoseconds >= arrival.nanoseconds
    }

    /// The last check of base `id`, nil when none was kept.
    static func load(_ id: String, project: String, home: CiloHome) -> BaseCheck? {
        FigureFile.load(BaseCheck.self, fileName, in: OverlayBase.folder(id, project: project, home: home))
    }

    /// Keeps this moment as base `id`'s last check (one that cannot be kept only costs a later walk).
    func save(_ id: String, project: String, home: CiloHome) {
        // Unsaved, the next create checks the source again: slower once, never wrong.
        try? FigureFile.save(self, Self.fileName, in: OverlayBase.folder(id, project: project, home: home), home: home)
    }
}
