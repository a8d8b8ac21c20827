import Yams

/// Published ports, folded into the container ports a service exposes on its own network.
///
/// Every form compose accepts is read: `"80"`, `"8080:80"`, `"127.0.0.1:8080:80/udp"`,
/// `"[::1]:8080:80"`, ranges (`"9000-9002:8000-8002"`), and the long form
/// (`{target: 80, published: "8080", host_ip: ..., protocol: udp}`).
enum ComposePorts {
    /// The container side of one `ports` entry: `"80"`, `"80/udp"`, `"8000-8002"`; nil when unreadable.
    static func containerPort(_ port: Node) -> String? {
        if let mapping = port.mapping {
            guard let target = mapping["target"]?.string, !target.isEmpty else { return nil }
            return withProtocol(target, mapping["protocol"]?.string)
        }
        guard let text = port.string, !text.isEmpty else { return nil }
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        var spec = parts[0]
        // An IPv6 host address in brackets holds colons of its own.
        if spec.hasPrefix("["), let close = spec.firstIndex(of: "]") { spec = String(spec[spec.index(after: close)...]) }
        guard let target = spec.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init), !target.isEmpty else {
            return nil
        }
        return withProtocol(target, parts.count > 1 ? parts[1] : nil)
    }

    private static func withProtocol(_ target: String, _ proto: String?) -> String {
        guard let proto, !proto.isEmpty, proto != "tcp" else { return target }
        return "\(target)/\(proto)"
    }

    /// The form two entries are compared in: `"3000"` and `"3000/tcp"` are one.
    static func key(_ entry: String) -> String {
        entry.hasSuffix("/tcp") ? String(entry.dropLast(4)) : entry
    }

    /// The service's `expose` list with `containerPorts` added, each entry once.
    static func exposed(existing: Node?, adding containerPorts: [String]) -> [Node] {
        var seen = Set<String>()
        var result: [Node] = []
        for entry in (existing?.sequence.map { Array($0) } ?? []).compactMap(\.string) + containerPorts where seen.insert(key(entry)).inserted {
            result.append(Node(entry, Tag(.str), .doubleQuoted))
        }
        return result
    }

    /// The first port of an entry (`"8000-8002/udp"` → `"8000"`), for URLs.
    static func firstPort(_ entry: String) -> String {
        let number = entry.split(separator: "/").first.map(String.init) ?? entry
        return number.split(separator: "-").first.map(String.init) ?? number
    }
}
