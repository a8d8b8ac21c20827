import ArgumentParser
import CiloCore
import CiloSystem
import Foundation

extension CiloCommand {
    /// `cilo list`: environments with their status reconciled with Docker.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List environments: status (checked with Docker), services, subnet, disk cost (as last measured; --disk measures now), age.")

        @Flag(help: "Environments of every project.")
        var all = false

        @Flag(help: "Print a JSON array.")
        var json = false

        @Flag(help: "Print names only.")
        var quiet = false

        @Flag(help: "Measure every workspace's disk cost now (reads every file's extents: slow on big workspaces) instead of showing the last measurement.")
        var disk = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        typealias Entry = EnvironmentOverview

        func run() async throws {
            let (entries, shared, warnings) = try await global.perform { () throws(CiloError) in
                try await projectOptions.manager().overview(allProjects: all, measuringDisk: disk)
            }
            for warning in warnings { HostFacts.writeToStandardError("cilo: warning: \(warning)\n") }
            if quiet {
                for entry in entries { print(all ? "\(entry.project)/\(entry.name)" : entry.name) }
                return
            }
            if json {
                print(try JSONOutput.encode(entries))
                return
            }
            var rows = [["ENGINE", "PROJECT", "NAME", "STATUS", "SERVICES", "SUBNET", "DISK", "CHANGES", "CREATED"]]
            for entry in entries {
                // A one-shot job that finished (a migration) counts as up, as doctor counts it.
                let running = entry.services.filter(\.isUp).count
                rows.append([entry.engine, entry.project, entry.name, entry.status, "\(running)/\(entry.services.count)", entry.subnet.isEmpty ? "-" : entry.subnet,
                             diskText(entry), changesText(entry), Self.age(entry.createdAt)])
            }
            print(rows.count == 1 ? "no environments" : Table.render(rows))
            if !shared.isEmpty {
                var sharedRows = [["PROJECT", "SHARED SERVICE", "STATUS", "USED BY"]]
                for service in shared {
                    let users = service.usedBy.isEmpty ? (service.stopsAt.map { "nobody; stops \(Self.due($0))" } ?? "nobody") : service.usedBy.joined(separator: ", ")
                    sharedRows.append([service.project, service.service, service.status, users])
                }
                print("")
                print(Table.render(sharedRows))
            }
        }

        /// "in 45 s" (or "now") until an ISO 8601 time.
        static func due(_ iso: String) -> String {
            guard let date = ISO8601DateFormatter().date(from: iso) else { return iso }
            let seconds = Int(date.timeIntervalSinceNow.rounded(.up))
            return seconds <= 0 ? "at the next cilo call" : "in \(seconds) s"
        }

        /// "12.0 MiB" when measured now (`--disk`), else "12.0 MiB (3 min ago)"; "-" if never measured.
        func diskText(_ entry: Entry) -> String {
            guard let bytes = entry.diskExclusiveBytes else { return "-" }
            guard !disk, let measured = entry.diskMeasuredAt else { return ByteFormatting.iec(bytes) }
            return "\(ByteFormatting.iec(bytes)) (\(Self.age(measured)))"
        }

        /// "3 files (5 min ago)" from the last diff; "-" if never compared.
        func changesText(_ entry: Entry) -> String {
            guard let count = entry.changedFiles else { return "-" }
            let files = "\(count) file\(count == 1 ? "" : "s")"
            return entry.changesMeasuredAt.map { "\(files) (\(Self.age($0)))" } ?? files
        }

        /// "5 min ago" from an ISO 8601 time.
        static func age(_ iso: String) -> String {
            guard let date = ISO8601DateFormatter().date(from: iso) else { return iso }
            let seconds = Int(Date().timeIntervalSince(date))
            if seconds < 60 { return "\(seconds) s ago" }
            if seconds < 3600 { return "\(seconds / 60) min ago" }
            if seconds < 86400 { return "\(seconds / 3600) h ago" }
            return "\(seconds / 86400) d ago"
        }
    }
}
