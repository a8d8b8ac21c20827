import CiloSystem
import Dispatch
import Foundation
import SystemPackage

/// Publishes every environment's names as one hosts file each in the server's hosts
/// directory, and returns only once the server answers exactly what was written.
///
/// Each sync recomputes every file from all records under one lock, writes a file only
/// when it changed (staged then renamed in, so dnsmasq never reads half a file) and
/// removes the files of environments that are no longer up.
public struct DNSRegistry: Sendable {
    public let server: DNSServer
    public let store: StateStore

    public init(server: DNSServer, store: StateStore) {
        self.server = server
        self.store = store
    }

    /// Brings the hosts files in line with the records, then waits (up to `timeout`) until
    /// every published name answers with its address and every withdrawn name with NXDOMAIN.
    /// - Returns: the names now published, by environment key.
    @discardableResult
    public func sync(timeout: Double = 5) async throws(CiloError) -> [String: [DNSNames.Entry]] {
        let home = server.home
        let lock = try await WorkerThreads.offload { () throws(CiloError) -> FileLock in try home.lock(home.path("locks", "dns.lock")) }
        defer { lock.unlock() }
        let records = try store.allReadable().records
        let wanted = DNSNames.compute(records, suffix: server.settings.suffix)
        let wildcards = DNSNames.wildcards(records, suffix: server.settings.suffix)
        try server.makeRuntimeFolders()
        let hosts: FileDescriptor
        let staging: FileDescriptor
        do throws(Errno) {
            hosts = try PathOpening.openDirectory(server.hostsDirectory.bytes)
            staging = try PathOpening.openDirectory(server.stagingDirectory.bytes)
        } catch {
            throw .system(error, "cannot open the DNS folders", path: server.runtimeDirectory.display)
        }
        defer {
            hosts.closeIgnoringErrors()
            staging.closeIgnoringErrors()
        }

        var withdrawn: [String] = []
        for file in try existingFiles(hosts) where wanted[file] == nil {
            withdrawn += try names(inHostsFile: file, hosts)
            do throws(Errno) { try hosts.remove(FileName(file), directory: false) } catch {
                throw .system(error, "cannot withdraw DNS names", path: server.hostsDirectory.appending(FileName(file)).display)
            }
        }
        for (key, entries) in wanted {
            let content = DNSNames.hostsFile(entries)
            let current = try hostsFile(key, hosts).map { String(decoding: $0, as: UTF8.self) }
            if current == content { continue }
            if current != nil {
                let kept = Set(entries.map(\.name))
                withdrawn += try names(inHostsFile: key, hosts).filter { !kept.contains($0) }
            }
            do throws(Errno) {
                try AtomicFile.write(Array(content.utf8), to: FileName(key), in: staging)
                try staging.rename(FileName(key), to: FileName(key), in: hosts)
            } catch {
                throw .system(error, "cannot publish DNS names", path: server.hostsDirectory.appending(FileName(key)).display)
            }
        }
        if server.runningPID != nil {
            let responders = DNSWildcards(server: server)
            let stale = try await responders.sync(wildcards)
            let probes = wildcards.map { DNSNames.Entry(name: "cilo-wildcard-probe." + $0.key, address: $0.value) }
            try await waitUntilAnswered(wanted.values.flatMap { $0 } + probes,
                                        withdrawn: withdrawn + stale.map { "cilo-wildcard-probe." + $0.apex }, timeout: timeout)
            // Only now that the main server no longer forwards to them may they stop.
            for responder in stale { responders.stop(responder) }
        }
        return wanted
    }

    /// The published hosts files. - Throws: when the folder cannot be read (stale names would
    /// otherwise never be withdrawn, and nobody told).
    private func existingFiles(_ hosts: FileDescriptor) throws(CiloError) -> [String] {
        var files: [String] = []
        do throws(Errno) {
            try DirectoryReader(directory: hosts).forEachEntry { name, _ in
                if let text = String(validating: name.bytes, as: UTF8.self), !text.hasPrefix(".") { files.append(text) }
                return true
            }
        } catch {
            throw .system(error, "cannot read the published DNS names", path: server.hostsDirectory.display)
        }
        return files
    }

    /// A published hosts file's content; nil when there is none.
    private func hostsFile(_ file: String, _ hosts: FileDescriptor) throws(CiloError) -> [UInt8]? {
        do throws(Errno) { return try AtomicFile.read(FileName(file), in: hosts) } catch {
            throw .system(error, "cannot read the published DNS names", path: server.hostsDirectory.appending(FileName(file)).display)
        }
    }

    private func names(inHostsFile file: String, _ hosts: FileDescriptor) throws(CiloError) -> [String] {
        guard let bytes = try hostsFile(file, hosts) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").flatMap { $0.split(separator: " ").dropFirst().map(String.init) }
    }

    /// Polls the server until it gives exactly the published answers.
    private func waitUntilAnswered(_ published: [DNSNames.Entry], withdrawn: [String], timeout: Double) async throws(CiloError) {
        let port = server.settings.port
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var pending = published.map { ($0.name, Optional($0.address)) } + withdrawn.map { ($0, String?.none) }
        while !pending.isEmpty {
            let answers = await DNSQuery.ask(pending.map(\.0), port: port, timeoutMilliseconds: 200)
            pending = zip(pending, answers).filter { entry, answer in
                if let address = entry.1 { return answer != .addresses([address]) }
                return answer != .nameError
            }.map(\.0)
            if pending.isEmpty { return }
            if DispatchTime.now().uptimeNanoseconds > deadline {
                throw CiloError(.failed, "the DNS server did not take up \(pending.map(\.0).prefix(3).joined(separator: ", ")) within \(Int(timeout)) s")
            }
            await Pause.seconds(0.02)
        }
    }
}
