/// Which names each environment publishes, computed from all environment records at once
/// so that a short name is published only while no other project uses that env name.
public enum DNSNames {
    /// One name and the address it resolves to.
    public struct Entry: Hashable, Sendable, Comparable {
        public var name: String
        public var address: String

        public static func < (lhs: Entry, rhs: Entry) -> Bool { (lhs.name, lhs.address) < (rhs.name, rhs.address) }
    }

    /// The key of an environment in the result: `<project>.<env>`.
    public static func key(_ record: EnvironmentRecord) -> String { "\(record.project).\(record.name)" }

    /// Names of every environment that is up, by `key(_:)`:
    /// - `<service>.<env>.<project><suffix>` always;
    /// - `<service>.<env><suffix>` when no other project has an environment of that name;
    /// - `<project>.<env><suffix>` and `<hostname>.<project>.<env><suffix>` for the ingress service.
    public static func compute(_ records: [EnvironmentRecord], suffix: String) -> [String: [Entry]] {
        var projectsByEnv: [String: Set<String>] = [:]
        for record in records { projectsByEnv[record.name, default: []].insert(record.project) }
        var result: [String: [Entry]] = [:]
        for record in records where record.status == .running || record.status == .partial {
            var entries: [Entry] = []
            let unique = projectsByEnv[record.name]?.count == 1
            for service in record.services {
                guard let address = service.ip else { continue }
                entries.append(Entry(name: "\(service.name).\(record.name).\(record.project)\(suffix)", address: address))
                if unique { entries.append(Entry(name: "\(service.name).\(record.name)\(suffix)", address: address)) }
            }
            if let ingress = record.services.first(where: { $0.name == record.ingressService }), let address = ingress.ip {
                entries.append(Entry(name: "\(record.project).\(record.name)\(suffix)", address: address))
                for hostname in Set(record.hostnames) {
                    entries.append(Entry(name: "\(hostname).\(record.project).\(record.name)\(suffix)", address: address))
                }
            }
            result[key(record)] = Array(Set(entries)).sorted()
        }
        return result
    }

    /// The apex of every environment that is up with an ingress, and the ingress address:
    /// every name under it answers with that address.
    public static func wildcards(_ records: [EnvironmentRecord], suffix: String) -> [String: String] {
        var result: [String: String] = [:]
        for record in records where record.status == .running || record.status == .partial {
            if let ingress = record.services.first(where: { $0.name == record.ingressService }), let address = ingress.ip {
                result["\(record.project).\(record.name)\(suffix)"] = address
            }
        }
        return result
    }

    /// A hosts file for `entries`: one line per address, its names after it.
    public static func hostsFile(_ entries: [Entry]) -> String {
        var byAddress: [String: [String]] = [:]
        for entry in entries { byAddress[entry.address, default: []].append(entry.name) }
        return byAddress.keys.sorted().map { "\($0) \(byAddress[$0, default: []].sorted().joined(separator: " "))\n" }.joined()
    }
}
