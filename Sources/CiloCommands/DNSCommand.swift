import ArgumentParser
import CiloCore
import Foundation

extension CiloCommand {
    /// `cilo dns status|names|stop`.
    struct DNS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dns", abstract: "Inspect cilo's DNS server and the names it answers.",
            subcommands: [DNSStatus.self, DNSNamesCommand.self, DNSStop.self])
    }

    struct DNSStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "The server, and every name with whether it resolves (asked of the server).")

        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var global: GlobalOptions

        struct Report: Encodable {
            struct Name: Encodable {
                var name: String
                var address: String
                var resolves: Bool
            }
            var enabled: Bool
            var pid: Int32?
            var port: UInt16
            var suffix: String
            var systemResolver: Bool
            var environments: [String: [Name]]
        }

        func run() async throws {
            let report = try await global.perform { () throws(CiloError) -> Report in
                let home = CiloHome.fromEnvironment()
                guard let settings = try CiloSettings.load(from: home) else {
                    throw CiloError(.notFound, "cilo is not set up here: run cilo init")
                }
                let server = DNSServer(home: home, settings: settings.dns)
                let names = DNSNames.compute(try StateStore(home: home).allReadable().records, suffix: settings.dns.suffix)
                var environments: [String: [Report.Name]] = [:]
                for (key, entries) in names {
                    environments[key] = entries.map { entry in
                        let answer = DNSQuery.resolve(entry.name, port: settings.dns.port, timeoutMilliseconds: 300)
                        return Report.Name(name: entry.name, address: entry.address, resolves: answer == .addresses([entry.address]))
                    }
                }
                return Report(enabled: settings.dns.enabled, pid: server.runningPID, port: settings.dns.port,
                              suffix: settings.dns.suffix, systemResolver: settings.dns.systemResolver, environments: environments)
            }
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            print("dns        \(report.enabled ? "on" : "off"), dnsmasq \(report.pid.map { "pid \($0)" } ?? "not running") on 127.0.0.1:\(report.port)")
            print("suffix     \(report.suffix)")
            print("resolver   \(report.systemResolver ? "routed through the system resolver" : "not routed (dig @127.0.0.1 -p \(report.port) NAME)")")
            var rows = [["ENV", "NAME", "ADDRESS", "RESOLVES"]]
            for key in report.environments.keys.sorted() {
                for name in report.environments[key] ?? [] { rows.append([key, name.name, name.address, name.resolves ? "yes" : "NO"]) }
            }
            print(rows.count == 1 ? "no names published" : Table.render(rows))
        }
    }

    struct DNSNamesCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "names", abstract: "The names of one environment, or of all.")

        @Argument(help: "An environment of the current project (default: all environments).") var env: String?
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let entries = try await global.perform { () throws(CiloError) -> [(String, DNSNames.Entry)] in
                let manager = try projectOptions.manager()
                guard let settings = manager.names.dnsSettings else { throw CiloError(.notFound, "DNS is off: run cilo init") }
                let names = DNSNames.compute(try manager.store.allReadable().records, suffix: settings.suffix)
                if let env {
                    let record = try manager.record(try NameRules.environmentName(env))
                    return (names[DNSNames.key(record)] ?? []).map { (DNSNames.key(record), $0) }
                }
                return names.keys.sorted().flatMap { key in (names[key] ?? []).map { (key, $0) } }
            }
            for (_, entry) in entries { print("\(entry.name) \(entry.address)") }
        }
    }

    struct DNSStop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop cilo's DNS server (cilo up starts it again).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let home = CiloHome.fromEnvironment()
                guard let settings = try CiloSettings.load(from: home) else { throw CiloError(.notFound, "cilo is not set up here: run cilo init") }
                print(await DNSServer(home: home, settings: settings.dns).stop() ? "stopped" : "not running")
            }
        }
    }

    /// `cilo hostnames add|remove|list <env> NAME...`.
    struct Hostnames: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extra names <name>.<project>.<env><suffix> for an environment's ingress service.",
            discussion: "ACTION is add, remove or list.")

        @Argument(help: "add, remove or list.") var action: String
        @Argument(help: "The environment name.") var env: String
        @Argument(help: "Names (for add and remove).") var names: [String] = []
        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard ["add", "remove", "list"].contains(action) else { throw ValidationError("ACTION must be add, remove or list, not '\(action)'") }
            if action != "list" && names.isEmpty { throw ValidationError("\(action) needs at least one NAME") }
        }

        func run() async throws {
            let hostnames = try await global.perform { () throws(CiloError) -> [String] in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                if action == "list" { return try manager.record(name).hostnames }
                return try await manager.names.changeHostnames(name, names, remove: action == "remove")
            }
            for hostname in hostnames { print(hostname) }
        }
    }
}
