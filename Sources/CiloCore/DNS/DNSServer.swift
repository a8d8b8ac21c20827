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
    /// What dnsmasq reads after it dropped root (hosts files, forward rules). As root it
    /// lives under /run, where dnsmasq's own account can reach it (a home under /root
    /// cannot be passed through); otherwise in the home.
    var runtimeDirectory: BytePath {
        guard DNSServer.unprivilegedAccount != nil else { return home.path("dns") }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in home.root.bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return BytePath("/run/cilo/dns-\(String(hash, radix: 16))")
    }
    var hostsDirectory: BytePath { runtimeDirectory.appending(FileName("hosts.d")) }
    var stagingDirectory: BytePath { runtimeDirectory.appending(FileName("staging")) }
    var serversFile: BytePath { runtimeDirectory.appending(FileName("servers.conf")) }

    /// The account dnsmasq drops to when cilo runs as root: `dnsmasq` (Debian's package
    /// makes it), else `nobody`; nil when not root (dnsmasq then runs as the user).
    static var unprivilegedAccount: Account? {
        guard HostFacts.effectiveUserID == 0 else { return nil }
        return Account.named("dnsmasq") ?? Account.named("nobody")
    }

    /// The lines that make dnsmasq drop root.
    static var accountLines: [String] {
        unprivilegedAccount.map { ["user=\($0.name)", "group=\($0.groupName)"] } ?? []
    }

    /// Creates the folders dnsmasq reads from: 0750, group dnsmasq's account when root.
    func makeRuntimeFolders() throws(CiloError) {
        try home.makeDirectory(directory).closeIgnoringErrors()
        for path in [runtimeDirectory, hostsDirectory, stagingDirectory] {
            do throws(Errno) {
                let folder = try Directories.makeAll(path.bytes, mode: 0o755)
                defer { folder.closeIgnoringErrors() }
                if let account = Self.unprivilegedAccount {
                    try folder.setOwner(userID: 0, groupID: account.groupID)
                    try folder.setPermissions(0o750)
                }
            } catch {
                throw .system(error, "cannot create the DNS folder", path: path.display)
            }
        }
    }
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
            "servers-file=\(serversFile.display)",
            "pid-file=\(pidPath.display)",
            "log-facility=\(home.path("dns", "dnsmasq.log").display)",
        ] + Self.accountLines
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
        if runningPID != nil {
            // A server started with another configuration (an earlier cilo that ran it as root,
            // reading another folder) is restarted with this one; otherwise it is left running.
            let current = HostFacts.readSmallFile(configPath.display).map { String(decoding: $0, as: UTF8.self) }
            if current == configuration { return false }
            await stop()
        }
        guard let dnsmasq = dnsmasqPath() else {
            throw CiloError(.notFound, "dnsmasq is not installed: install it with `apt-get install dnsmasq` (or run cilo init --no-dns)")
        }
        if LoopbackUDP.isPortInUse(settings.port) {
            throw CiloError(.alreadyExists, "port \(settings.port) on 127.0.0.1 is in use by another program, so cilo's names are not served: stop it, or choose another port with cilo init --dns-port PORT")
        }
        try makeRuntimeFolders()
        // Forward rules of wildcard responders from an earlier server are stale: start clean.
        DNSWildcards(server: self).stopAll()
        do throws(Errno) {
            let runtime = try PathOpening.openDirectory(runtimeDirectory.bytes)
            defer { runtime.closeIgnoringErrors() }
            try AtomicFile.write([], to: FileName("servers.conf"), in: runtime)
        } catch {
            throw .system(error, "cannot write the DNS forward rules", path: serversFile.display)
        }
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
            if case .nameError = await DNSQuery.ask("cilo-probe" + settings.suffix, port: settings.port, timeoutMilliseconds: 100) { return true }
            await Pause.seconds(0.05)
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
            await Pause.seconds(0.02)
        }
        // The pid file and the folder under /run go with the server; the next start writes both
        // anew, so what cannot go now is only a leftover (the pid names no live dnsmasq).
        try? FileManager.default.removeItem(atPath: pidPath.display)
        if runtimeDirectory != directory, let (parent, name) = runtimeDirectory.parentAndName {
            do throws(Errno) {
                let folder = try PathOpening.openDirectory(parent.bytes)
                defer { folder.closeIgnoringErrors() }
                try TreeRemover.remove(name, in: folder)
            } catch {
                // Left as it is: see above.
            }
        }
        return true
    }
}
