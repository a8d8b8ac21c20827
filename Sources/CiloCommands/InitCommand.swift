import ArgumentParser
import CiloCore
import CiloSystem

extension CiloCommand {
    /// `cilo init`: cilo's home, its settings and its DNS server.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set up cilo: its home, and its own DNS server answering <service>.<env>.<project>.test on 127.0.0.1.")

        @Option(help: "The DNS server's port on 127.0.0.1 (default 5354).")
        var dnsPort: Int?

        @Option(help: "The DNS suffix names end in (default .test).")
        var suffix: String?

        @Flag(help: "Route the suffix to the server through the system resolver (root; systemd-resolved).")
        var systemResolver = false

        @Flag(help: "No DNS server: environments are reached by address only.")
        var noDns = false

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let dnsPort, !(1...65535).contains(dnsPort) { throw ValidationError("--dns-port must be between 1 and 65535, not \(dnsPort)") }
            if noDns && systemResolver { throw ValidationError("--system-resolver needs DNS: drop --no-dns") }
        }

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let home = CiloHome.fromEnvironment()
                let previous = try CiloSettings.load(from: home)
                var settings = previous ?? CiloSettings()
                if let dnsPort { settings.dns.port = UInt16(dnsPort) }
                if let suffix { settings.dns.suffix = try DNSSettings.validSuffix(suffix) }
                settings.dns.enabled = !noDns
                if systemResolver {
                    guard HostFacts.effectiveUserID == 0 else {
                        throw CiloError(.permissionDenied, "--system-resolver changes the system's resolver: run it as root")
                    }
                    settings.dns.systemResolver = true
                }
                let oldServer = previous.map { DNSServer(home: home, settings: $0.dns) }
                let newServer = DNSServer(home: home, settings: settings.dns)
                let serving = !settings.dns.enabled || newServer.runningPID != nil
                if previous == settings && serving && !systemResolver {
                    print("cilo is already set up at \(home.root.display); nothing changed")
                    print(InitText.summary(settings, server: newServer))
                    return
                }
                if let oldServer, previous?.dns != settings.dns { await oldServer.stop() }
                try home.makeDirectory(home.root).closeIgnoringErrors()
                if settings.dns.enabled {
                    do throws(CiloError) {
                        try await newServer.start()
                    } catch {
                        // Nothing half-configured: the old settings (and server) come back.
                        if let previous, previous.dns.enabled { _ = try? await DNSServer(home: home, settings: previous.dns).start() }
                        throw error
                    }
                }
                try settings.save(to: home)
                if settings.dns.enabled {
                    try await DNSRegistry(server: newServer, store: StateStore(home: home)).sync()
                }
                print("cilo is set up at \(home.root.display)")
                print(InitText.summary(settings, server: newServer))
                if systemResolver {
                    switch try await SystemResolver.configure(settings.dns) {
                    case .systemdResolved(let dropIn): print("  resolver  systemd-resolved routes *\(settings.dns.suffix) here (\(dropIn))")
                    case .manual(let step): print("  resolver  \(step)")
                    }
                }
            }
        }
    }
}

enum InitText {
    static func summary(_ settings: CiloSettings, server: DNSServer) -> String {
        guard settings.dns.enabled else { return "  dns       off (cilo init --dns-port PORT turns it on)" }
        let pid = server.runningPID.map { "pid \($0)" } ?? "not running"
        return "  dns       dnsmasq \(pid) on 127.0.0.1:\(settings.dns.port), answering *\(settings.dns.suffix) only\n"
            + "  try       dig @127.0.0.1 -p \(settings.dns.port) +short web.<env>.<project>\(settings.dns.suffix)"
    }
}
