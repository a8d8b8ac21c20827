/// The names of a project's environments: the hostnames each answers to, published to cilo's
/// DNS server (`cilo init` turns it on) whenever environments start or stop.
public struct EnvironmentNames: EnvironmentCapability {
    public let context: EnvironmentContext

    /// The DNS settings from `cilo init`, nil when DNS is off or init never ran.
    public var dnsSettings: DNSSettings? {
        switch context.readOnce.settings(of: home) {
        case .success(let settings):
            guard let settings, settings.dns.enabled else { return nil }
            return settings.dns
        case .failure(let error):
            // Damaged settings: names are off until cilo init writes them again, and that is said.
            warn("\(error.description); names are not served")
            return nil
        }
    }

    /// Publishes every environment's names (starting the server if asked and needed).
    /// - Returns: a warning when the names are not served (never a failed up or down).
    @discardableResult
    func publish(startServer: Bool) async -> String? {
        guard let settings = dnsSettings else { return nil }
        let server = DNSServer(home: home, settings: settings)
        do throws(CiloError) {
            if startServer { try await server.start() }
            try await DNSRegistry(server: server, store: store).sync()
            return nil
        } catch {
            let warning = "names are not served: \(error.description)"
            warn(warning)
            return warning
        }
    }

    /// Adds (or with `remove`, removes) extra names `<name>.<project>.<env><suffix>` for the
    /// ingress service of `env`; kept across `up`. Returns the resulting list.
    public func changeHostnames(_ env: String, _ names: [String], remove: Bool) async throws(CiloError) -> [String] {
        var valid: [String] = []
        for raw in names {
            let name = raw.lowercased()
            guard name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ DNSSettings.isLabel(String($0)) }) else {
                throw CiloError(.invalidArgument, "invalid hostname '\(raw)': DNS labels of a-z, 0-9 and '-', separated by dots")
            }
            valid.append(name)
        }
        let result = try await withLock(env) { _ throws(CiloError) -> [String] in
            var record = try record(env)
            var added = record.addedHostnames ?? []
            if remove {
                added.removeAll { valid.contains($0) }
            } else {
                for name in valid where !added.contains(name) { added.append(name) }
            }
            record.addedHostnames = added
            try store.save(record)
            return record.hostnames
        }
        await publish(startServer: false)
        return result
    }

    /// Publishes every environment's names now (after `cilo init`).
    public func syncNames() async throws(CiloError) -> [String: [DNSNames.Entry]] {
        guard let settings = dnsSettings else { return [:] }
        return try await DNSRegistry(server: DNSServer(home: home, settings: settings), store: store).sync()
    }
}
