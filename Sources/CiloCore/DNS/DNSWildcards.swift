#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import Foundation
import SystemPackage

/// Every name under an environment's apex (`*.<project>.<env><suffix>`) answered with the
/// ingress address.
///
/// dnsmasq reads wildcard (`address=`) rules only when it starts, so each apex gets a
/// small dnsmasq of its own on a free loopback port, started before and stopped after the
/// main server forwards the apex to it. The main server's forward rules live in a
/// `servers-file`, which it re-reads on SIGHUP without restarting: names of other
/// environments never stop answering.
struct DNSWildcards: Sendable {
    let server: DNSServer

    var directory: BytePath { server.home.path("dns", "wildcard") }
    var serversFile: BytePath { server.serversFile }

    /// One running wildcard responder.
    struct Responder: Equatable {
        var apex: String
        var address: String
        var port: UInt16
        var pid: Int32
    }

    /// Brings the responders in line with `wanted` (apex: address): starts the missing ones,
    /// rewrites the forward rules. Returns the responders no longer forwarded to: the caller
    /// stops them (`stop`) once the main server answers NXDOMAIN under their apex.
    func sync(_ wanted: [String: String]) async throws(CiloError) -> [Responder] {
        try server.home.makeDirectory(directory).closeIgnoringErrors()
        var running = responders()
        let stale = running.filter { wanted[$0.apex] != $0.address }
        let missing = wanted.filter { apex, address in !running.contains { $0.apex == apex && $0.address == address } }
        if stale.isEmpty && missing.isEmpty { return [] }
        // New responders answer before the main server forwards to them.
        for (apex, address) in missing.sorted(by: { $0.key < $1.key }) {
            running.append(try await start(apex: apex, address: address))
        }
        running.removeAll { stale.contains($0) }
        try writeServersFile(running)
        return stale
    }

    private func start(apex: String, address: String) async throws(CiloError) -> Responder {
        let port = try freePort()
        let name = apex
        let pidPath = directory.appending(FileName(name + ".pid")).display
        var lines = ["port=\(port)", "listen-address=127.0.0.1", "bind-interfaces", "no-resolv", "no-hosts", "no-poll",
                     "address=/\(apex)/\(address)", "pid-file=\(pidPath)"]
        lines += DNSServer.accountLines
        let conf = directory.appending(FileName(name + ".conf"))
        do { try (lines.joined(separator: "\n") + "\n").write(toFile: conf.display, atomically: true, encoding: .utf8) } catch {
            throw CiloError(.failed, "cannot write a wildcard responder's configuration", path: conf.display)
        }
        let result = try await ToolRunner.run(server.dnsmasqPath() ?? "dnsmasq", ["--conf-file=\(conf.display)"])
        guard result.succeeded else { throw CiloError(.failed, "the wildcard responder for \(apex) did not start: \(result.tail(2))") }
        for _ in 0..<50 {
            if await DNSQuery.ask("cilo-probe." + apex, port: port, timeoutMilliseconds: 100) == .addresses([address]) {
                guard let pid = Self.pid(at: pidPath) else { break }
                return Responder(apex: apex, address: address, port: port, pid: pid)
            }
            await Pause.seconds(0.02)
        }
        throw CiloError(.failed, "the wildcard responder for \(apex) does not answer on 127.0.0.1:\(port)")
    }

    func stop(_ responder: Responder) {
        kill(responder.pid, SIGTERM)
        for suffix in [".pid", ".conf"] {
            // A stopped responder's files: leftovers the next start overwrites (its pid names no live process).
            try? FileManager.default.removeItem(atPath: directory.appending(FileName(responder.apex + suffix)).display)
        }
    }

    /// Stops every responder (when the main server stops).
    func stopAll() {
        for responder in responders() { stop(responder) }
        // Rewritten by the next start; an old one forwards to responders that no longer run.
        try? FileManager.default.removeItem(atPath: serversFile.display)
    }

    /// The responders running now, from their pid and configuration files.
    func responders() -> [Responder] {
        // No folder yet: no responder was ever started.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.display)) ?? []
        return names.filter { $0.hasSuffix(".conf") }.compactMap { file in
            let apex = String(file.dropLast(5))
            guard let text = HostFacts.readSmallFile(directory.display + "/" + file).map({ String(decoding: $0, as: UTF8.self) }),
                let pid = Self.pid(at: directory.display + "/" + apex + ".pid"), kill(pid, 0) == 0
            else { return nil }
            var port: UInt16?
            var address: String?
            for line in text.split(separator: "\n") {
                if line.hasPrefix("port=") { port = UInt16(line.dropFirst(5)) }
                if line.hasPrefix("address=/") { address = line.split(separator: "/").last.map(String.init) }
            }
            guard let port, let address else { return nil }
            return Responder(apex: apex, address: address, port: port, pid: pid)
        }
    }

    /// Rewrites the forward rules and makes the main server re-read them (SIGHUP, no restart).
    private func writeServersFile(_ responders: [Responder]) throws(CiloError) {
        let content = responders.sorted { $0.apex < $1.apex }.map { "server=/\($0.apex)/127.0.0.1#\($0.port)\n" }.joined()
        do { try content.write(toFile: serversFile.display, atomically: true, encoding: .utf8) } catch {
            throw CiloError(.failed, "cannot write the DNS forward rules", path: serversFile.display)
        }
        if let pid = server.runningPID { kill(pid, SIGHUP) }
    }

    private func freePort() throws(CiloError) -> UInt16 {
        for _ in 0..<200 {
            let port = UInt16.random(in: 40000...60000)
            if !LoopbackUDP.isPortInUse(port) { return port }
        }
        throw CiloError(.noSpace, "no free loopback port for a wildcard responder")
    }

    static func pid(at path: String) -> Int32? {
        guard let text = HostFacts.readSmallFile(path).map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
