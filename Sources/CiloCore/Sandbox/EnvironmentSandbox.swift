import CiloSystem
import Foundation
import SystemPackage

/// `cilo run --sandbox`: what the command may still touch.
public struct EnvironmentSandbox: EnvironmentCapability {
    public let context: EnvironmentContext

    /// The confinement of a command run in `record`'s workspace: write only to the workspace (its
    /// real folder: a symlink on the way is resolved, never widened), a private temporary folder
    /// (`temporaryFolder`, the command's TMPDIR), a private /dev/shm, the terminal and /dev/null; the Docker socket
    /// covered unless `allowsDocker`; the network `settings.network` says. Refused, never run
    /// unconfined, where the kernel lacks Landlock.
    public func confinement(for record: EnvironmentRecord, _ settings: SandboxSettings) async throws(CiloError) -> Confinement {
        // Under the environment's lock: two runs never make its network namespace at once.
        try await withLock(record.name) { _ throws(CiloError) -> Confinement in try await confinementLocked(record, settings) }
    }

    private func confinementLocked(_ record: EnvironmentRecord, _ settings: SandboxSettings) async throws(CiloError) -> Confinement {
        guard let abi = Confinement.landlockABI else {
            throw CiloError(.unsupported, "cannot --sandbox: this kernel offers no Landlock (it keeps the command's writes in its workspace); nothing was run")
        }
        let isRoot = HostFacts.effectiveUserID == 0
        var confinement = Confinement(landlockABI: abi)
        confinement.usesUserNamespace = !isRoot
        let workspace = try Self.realPath(record.workspace)
        let folder = home.path("sandbox", record.project, record.name)
        let temporary = folder.appending(FileName("tmp"))
        try home.makeDirectory(temporary).closeIgnoringErrors()
        confinement.writable = [Array(workspace.utf8), try Self.realPath(temporary.display).utf8.map { $0 }, Array("/dev/shm".utf8)]
        confinement.devices = ["/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/pts", "/dev/ptmx"].map { Array($0.utf8) }
        if !settings.allowsDocker {
            var sockets = ["/var/run/docker.sock", "/run/docker.sock"]
            if let host = HostFacts.environment("DOCKER_HOST"), host.hasPrefix("unix://") { sockets.append(String(host.dropFirst(7))) }
            confinement.hiddenFiles = sockets.map { Array($0.utf8) }
            confinement.hiddenFolders = ["/run/containerd", "/run/docker"].map { Array($0.utf8) }
        }
        switch settings.network {
        case .host:
            break
        case .none:
            confinement.isolatesNetwork = true
        case .env:
            guard isRoot else {
                throw CiloError(.permissionDenied, "--sandbox-network env joins the environment's network namespace, which needs root; --sandbox-network none works without")
            }
            var network = SandboxNetwork(record: record, home: home)
            network.pools.append(try SubnetAllocator.pool(from: HostFacts.environment("CILO_SUBNET_POOL") ?? project.subnetPool))
            try await network.ensure(engine: engine)
            confinement.networkNamespace = Array(network.namespacePath.utf8)
            let names = try writeNameFiles(record, in: folder)
            confinement.hostsFile = names.hosts.bytes
            confinement.resolverFile = names.resolver.bytes
        }
        return confinement
    }

    /// The private temporary folder of `record`'s sandboxed commands (their TMPDIR).
    public func temporaryFolder(of record: EnvironmentRecord) -> String {
        home.path("sandbox", record.project, record.name, "tmp").display
    }

    /// The environment's names for its sandbox: every service and its address, as Docker's own
    /// resolver answers them inside the environment (Docker's embedded DNS lives in each
    /// container's namespace only), and a resolver file that asks nobody else.
    private func writeNameFiles(_ record: EnvironmentRecord, in folder: BytePath) throws(CiloError) -> (hosts: BytePath, resolver: BytePath) {
        var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        for service in record.services {
            guard let ip = service.ip else { continue }
            hosts += "\(ip)\t\(service.name)\n"
        }
        let resolver = "# cilo sandbox: names come from /etc/hosts (the environment's services)\noptions timeout:1 attempts:1\n"
        let directory = try home.makeDirectory(folder)
        defer { directory.closeIgnoringErrors() }
        do throws(Errno) {
            try AtomicFile.write(Array(hosts.utf8), to: FileName("hosts"), in: directory, permissions: 0o644)
            try AtomicFile.write(Array(resolver.utf8), to: FileName("resolv.conf"), in: directory, permissions: 0o644)
        } catch {
            throw .system(error, "cannot write the sandbox's name files", path: folder.display)
        }
        return (folder.appending(FileName("hosts")), folder.appending(FileName("resolv.conf")))
    }

    /// `path` with every symlink resolved.
    static func realPath(_ path: String) throws(CiloError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw .system(Errno(rawValue: errno), "cannot resolve the folder", path: path)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Removes the environment's sandbox: its network namespace and veth pair, its folder.
    func remove(_ record: EnvironmentRecord) async throws(CiloError) {
        let network = SandboxNetwork(record: record, home: home)
        if HostFacts.effectiveUserID == 0 { try await network.remove() }
        do throws(Errno) { try home.removeFolder(record.name, in: home.path("sandbox", record.project)) } catch {
            throw .system(error, "cannot delete the sandbox's folder", path: home.path("sandbox", record.project, record.name).display)
        }
    }

    /// What this kernel and process let `--sandbox` enforce, for `cilo doctor`: nil when all of it.
    public static func sandboxShortfall() -> (summary: String, missing: String?) {
        let landlock = Confinement.landlockABI
        let seccomp = ProcessCapabilities.seccompVersion
        let namespaces = ["mnt", "net", "user"].filter { FileManager.default.fileExists(atPath: "/proc/self/ns/\($0)") }
        let summary = "Landlock ABI \(landlock.map(String.init) ?? "none"), seccomp (libseccomp \(seccomp ?? "unknown")), "
            + "namespaces: \(namespaces.joined(separator: ", "))"
        var missing: [String] = []
        if landlock == nil { missing.append("no Landlock: --sandbox refuses to run") }
        if namespaces.count < 3 { missing.append("namespaces missing") }
        if HostFacts.effectiveUserID != 0 { missing.append("not root: --sandbox-network env needs root") }
        return (summary, missing.isEmpty ? nil : missing.joined(separator: "; "))
    }
}
