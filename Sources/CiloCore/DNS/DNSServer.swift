#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import Foundation
import SystemPackage

/// cilo's own dnsmasq: listens on 127.0.0.1 only, answers only for the suffix from the
/// hosts files in `$CILO_HOME/dns/hosts.d` (re-read by inotify the moment they change),
/// forwards nothing. Its pid file is under `$CILO_HOME/dns`; cilo only ever stops that pid.
public struct DNSServer: Sendable {
    public let home: CiloHome
    public let settings: DNSSettings

    public init(home: CiloHome, settings: DNSSettings) {
        self.home = home
        self.settings = settings
    }

    var directory: BytePath { home.path("dns") }
    var hostsDirectory: BytePath { home.path("dns", "hosts.d") }
    var stagingDirectory: BytePath { home.path("dns", "staging") }
    var configPath: BytePath { home.path("dns", "dnsmasq.conf") }
    var pidPath: BytePath { home.path("dns", "dnsmasq.pid") }

    /// The dnsmasq configuration for these settings.
    var configuration: String {
        var lines = [
            "# Written by cilo init. cilo's own dnsmasq: loopback only, the suffix only, nothing forwarded.",
            "port=\(settings.port)",
            "listen-address=127.0.0.1",
            "bind-interfaces",
            "no-resolv",
            "no-hosts",
            "no-poll",
            "local=/\(settings.domain)/",
            "domain-needed",
            "hostsdir=\(hostsDirectory.display)",
            "servers-file=\(home.path("dns", "servers.conf").display)",
            "pid-file=\(pidPath.display)",
            "log-facility=\(home.path("dns", "dnsmasq.log").display)",
        ]
        // As root, stay root so cilo's folders need not be readable by dnsmasq's own user.
        if HostFacts.effectiveUserID == 0 { lines.append("user=root") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The pid of the running server started from this home, if one runs.
    public var runningPID: Int32? {
        guard let bytes = HostFacts.readSmallFile(pidPath.display),
            let text = String(validating: bytes, as: UTF8.self),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0,
            let command = HostFacts.readSmallFile("/proc/\(pid)/cmdline"),
            String(decoding: command.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(configPath.display)
        else { return nil }
        return pid
    }

    /// Starts the server unless it runs; waits until it answers.
    /// - Returns: true when it was started now.
    @discardableResult
    public func start() async throws(CiloError) -> Bool {
        if runningPID != nil { return false }
        guard let dnsmasq = dnsmasqPath() else {
            throw CiloError(.notFound, "dnsmasq is not installed: install it with `apt-get install dnsmasq` (or run cilo init --no-dns)")
        }
        if LoopbackUDP.isPortInUse(settings.port) {
            throw CiloError(.alreadyExists, "port \(settings.port) on 127.0.0.1 is in use by another program: choose another with cilo init --dns-port PORT")
        }
        for path in [directory, hostsDirectory, stagingDirectory] { try home.makeDirectory(path).closeIgnoringErrors() }
        // Forward rules of wildcard responders from an earlier server are stale: start clean.
        DNSWildcards(server: self).stopAll()
        _ = FileManager.default.createFile(atPath: home.path("dns", "servers.conf").display, contents: Data())
        let dns = try home.makeDirectory(directory)
        defer { dns.closeIgnoringErrors() }
        do throws(Errno) { try AtomicFile.write(Array(configuration.utf8), to: FileName("dnsmasq.conf"), in: dns) } catch {
            throw .system(error, "cannot write the dnsmasq configuration", path: configPath.display)
        }
        let result = try await ToolRunner.run(dnsmasq, ["--conf-file=\(configPath.display)"])
        guard result.succeeded else {
            throw CiloError(.failed, "dnsmasq did not start: \(result.tail(2))")
        }
        for _ in 0..<50 {
            if case .nameError = DNSQuery.resolve("cilo-probe" + settings.suffix, port: settings.port, timeoutMilliseconds: 100) { return true }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        throw CiloError(.failed, "dnsmasq started but does not answer on 127.0.0.1:\(settings.port); see \(home.path("dns", "dnsmasq.log").display)")
    }

    /// The dnsmasq program: `CILO_DNSMASQ`, else on PATH, else /usr/sbin (not on most users' PATH).
    func dnsmasqPath() -> String? {
        let candidates = HostFacts.environment("CILO_DNSMASQ").map { [$0] } ?? ["dnsmasq", "/usr/sbin/dnsmasq"]
        return candidates.first { $0.hasPrefix("/") ? access($0, X_OK) == 0 : HostFacts.executableOnPath($0) }
    }

    /// Stops the server this home started (by its pid), if it runs.
    /// - Returns: true when one was stopped.
    @discardableResult
    public func stop() async -> Bool {
        guard let pid = runningPID else { return false }
        DNSWildcards(server: self).stopAll()
        kill(pid, SIGTERM)
        for _ in 0..<100 {
            if kill(pid, 0) != 0 { break }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        try? FileManager.default.removeItem(atPath: pidPath.display)
        return true
    }
}
