import CiloSystem
import Foundation

/// An environment's sandbox network: a named network namespace (`/run/netns/<name>`, kept while
/// the environment lives, so a run joins it in microseconds) whose `eth0` is one end of a veth
/// pair, the other end on the environment's Docker bridge, with an address of the environment's
/// /24 and its gateway as default route: it reaches what the environment's containers reach
/// (their services, what Docker's NAT lets out), and its loopback is its own, not the host's.
/// The rest of cilo's subnet pool (the other environments) is unreachable by its own routes,
/// whatever the host's firewall says at that moment. Made with iproute2's `ip` (root).
struct SandboxNetwork: Sendable {
    let record: EnvironmentRecord
    let home: CiloHome
    /// The pools environments take their /24 from (the default one and the project's): other environments live there.
    var pools: [Subnet] = [SubnetAllocator.defaultPool]

    /// `cilo-` and a digest of the home, project and environment: one per environment and home.
    var name: String { "cilo-\(digest)" }
    /// The host end of the veth pair (interface names hold 15 bytes).
    var hostInterface: String { "cs\(digest.prefix(12))" }
    var namespacePath: String { "/run/netns/\(name)" }

    private var digest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(home.root.display)\u{0}\(record.project)\u{0}\(record.name)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }

    /// The namespace, made (or made again: the bridge changed, or someone deleted it) as needed.
    func ensure(engine: any ContainerEngine) async throws(CiloError) {
        guard let subnet = Subnet(record.subnet) else { throw CiloError(.failed, "'\(record.name)' has no subnet recorded") }
        guard let bridge = try await engine.bridge(of: record.dockerName) else {
            throw CiloError(.failed, "'\(record.name)' has no network yet: start it (cilo up \(record.name)), or use --sandbox-network none")
        }
        // In place and on the bridge of today's network: nothing to do (one `ip` call).
        if FileManager.default.fileExists(atPath: namespacePath) {
            let link = try await ip(["-o", "link", "show", "dev", hostInterface], failing: false)
            if link.succeeded && link.output.contains("master \(bridge.interface) ") { return }
            try await remove()
        }
        // The highest address of the /24 that no container holds (Docker hands them out from .2 up).
        guard let address = (2...254).reversed().map({ subnet.host($0) }).first(where: { !bridge.addresses.contains($0) }) else {
            throw CiloError(.failed, "'\(record.name)''s subnet \(record.subnet) has no free address for the sandbox")
        }
        do throws(CiloError) {
            try await ip(["netns", "add", name])
            try await ip(["link", "add", hostInterface, "type", "veth", "peer", "name", "eth0", "netns", name])
            try await ip(["link", "set", hostInterface, "master", bridge.interface, "up"])
            try await ip(["-n", name, "addr", "add", "\(address)/24", "dev", "eth0"])
            try await ip(["-n", name, "link", "set", "lo", "up"])
            try await ip(["-n", name, "link", "set", "eth0", "up"])
            try await ip(["-n", name, "route", "add", "default", "via", subnet.host(1)])
            // Its own /24 is on-link (more specific); every other environment's address is not reachable.
            for pool in Set(pools.map(\.description)).sorted() where pool != subnet.description {
                try await ip(["-n", name, "route", "add", "unreachable", pool])
            }
        } catch {
            var failure = error
            do throws(CiloError) { try await remove() } catch let cleanup {
                failure.note = "and its half-made namespace \(name) could not be removed (\(cleanup.description)); the next run makes it again"
            }
            throw failure
        }
    }

    /// Deletes the namespace and the veth pair (nothing to do when neither exists).
    func remove() async throws(CiloError) {
        if FileManager.default.fileExists(atPath: namespacePath) { try await ip(["netns", "delete", name]) }
        _ = try await ip(["link", "delete", hostInterface], failing: false)
    }

    @discardableResult
    private func ip(_ arguments: [String], failing: Bool = true) async throws(CiloError) -> ToolResult {
        let result = try await ToolRunner.run("ip", arguments)
        if failing && !result.succeeded {
            throw CiloError(.failed, "ip \(arguments.joined(separator: " ")) failed for the sandbox of '\(record.name)': \(result.tail(2))")
        }
        return result
    }
}
