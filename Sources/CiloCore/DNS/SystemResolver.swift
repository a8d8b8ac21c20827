import CiloSystem
import Foundation

/// Routing the suffix to cilo's server through the system resolver (`init --system-resolver`).
public enum SystemResolver {
    /// What was done, or the manual step to take.
    public enum Outcome: Sendable, Equatable {
        case systemdResolved(dropIn: String)
        case manual(String)
    }

    /// Whether the system resolver sends the suffix to cilo's server (the drop-in
    /// `cilo init --system-resolver` writes is in place), so names work from the host.
    public static func isRouted(_ settings: DNSSettings) -> Bool {
        guard let bytes = HostFacts.readSmallFile("/etc/systemd/resolved.conf.d/cilo-\(settings.domain).conf") else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("DNS=127.0.0.1:\(settings.port)")
    }

    /// Writes a systemd-resolved drop-in (`DNS=127.0.0.1:PORT`, `Domains=~suffix`) and restarts
    /// resolved when it is active; otherwise returns the exact manual step. Needs root.
    public static func configure(_ settings: DNSSettings) async throws(CiloError) -> Outcome {
        guard HostFacts.effectiveUserID == 0 else {
            throw CiloError(.permissionDenied, "--system-resolver changes the system's resolver: run cilo init --system-resolver as root")
        }
        // No systemctl (no systemd): systemd-resolved is not running.
        let active = (try? await ToolRunner.run("systemctl", ["is-active", "systemd-resolved"]))?.output.hasPrefix("active") ?? false
        guard active else {
            return .manual("systemd-resolved is not active: route *\(settings.suffix) to 127.0.0.1 port \(settings.port) in your resolver "
                + "(dnsmasq: server=/\(settings.domain)/127.0.0.1#\(settings.port)), or ask it directly: dig @127.0.0.1 -p \(settings.port) NAME")
        }
        let directory = "/etc/systemd/resolved.conf.d"
        let path = "\(directory)/cilo-\(settings.domain).conf"
        let content = "# Written by cilo init --system-resolver\n[Resolve]\nDNS=127.0.0.1:\(settings.port)\nDomains=~\(settings.domain)\n"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try content.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CiloError(.failed, "cannot write the resolved drop-in", path: path, cause: ErrorText(error))
        }
        let restart = try await ToolRunner.run("systemctl", ["restart", "systemd-resolved"])
        guard restart.succeeded else {
            // Undoing a change that did not take; the error below is what is reported.
            try? FileManager.default.removeItem(atPath: path)
            throw CiloError(.failed, "systemd-resolved did not restart: \(restart.tail(2)); the drop-in was removed again")
        }
        return .systemdResolved(dropIn: path)
    }
}
