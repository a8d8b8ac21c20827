/// Extra hostnames and name queries for a project's environments.
extension EnvironmentManager {
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
        await publishNames(startServer: false)
        return result
    }

    /// Publishes every environment's names now (after `cilo init`).
    public func syncNames() async throws(CiloError) -> [String: [DNSNames.Entry]] {
        guard let settings = dnsSettings else { return [:] }
        return try await DNSRegistry(server: DNSServer(home: home, settings: settings), store: store).sync()
    }
}
