import Yams

/// The settings of a compose model that reach past the environment to the host: a bind of a
/// path outside the project (the Docker socket, `/`), `privileged`, `cap_add`, `devices`,
/// `pid`/`ipc`/`network_mode`/`userns_mode: host`, an unconfined `security_opt`, `sysctls`,
/// and `configs`/`secrets` read from a host file outside the project. A workspace's compose
/// file is the agent's: what its model has that the source's does not is refused at `up` and
/// `run` unless the operator trusts it (`--trust-workspace`, `trust_workspace:`).
public struct HostPower: Hashable, Sendable, Comparable {
    /// The service (or `configs x`, `secrets x` for a top-level file).
    public var owner: String
    /// The kind, as `trust_workspace:` names it: bind, privileged, cap_add, devices, pid, ipc,
    /// network_mode, userns_mode, security_opt, sysctls, configs, secrets.
    public var kind: String
    /// What exactly (a path, a capability, a device); empty where the kind says it all.
    public var detail: String

    /// "service web: cap_add SYS_ADMIN".
    public var description: String {
        "\(["configs ", "secrets ", "volume "].contains(where: owner.hasPrefix) ? owner : "service \(owner)"): \(kind)\(detail.isEmpty ? "" : " \(detail)")"
    }

    /// What it gives, for the warning every such setting gets.
    public var consequence: String {
        switch kind {
        case "privileged": return "it can reach the host and every environment"
        case "bind" where detail.hasSuffix("docker.sock"): return "the Docker socket is root on the host"
        case "bind", "configs", "secrets": return "a host path outside the project, shared by every environment"
        case "network_mode": return "it is not isolated, its ports are the host's and collide between environments"
        case "devices": return "a host device, shared by every environment"
        default: return "it reaches past the environment to the host"
        }
    }

    public static func < (left: HostPower, right: HostPower) -> Bool { left.description < right.description }

    public static let kinds = [
        "bind", "privileged", "cap_add", "devices", "pid", "ipc", "network_mode", "userns_mode", "security_opt", "sysctls", "configs", "secrets",
    ]

    /// Every such setting of `model` (an isolated compose model), whose own files are under `root`
    /// and whose named volumes cilo keeps in `ownVolumes` (`<ownVolumes>/<key>`, cilo's binding).
    public static func find(in model: Node, root: String, ownVolumes: String? = nil) -> Set<HostPower> {
        var found = Set<HostPower>()
        for (key, value) in model.mapping?["services"]?.mapping ?? [:] {
            guard let name = key.string, let service = value.mapping else { continue }
            found.formUnion(find(inService: name, service, root: root))
        }
        for section in ["configs", "secrets"] {
            for (key, value) in model.mapping?[section]?.mapping ?? [:] {
                guard let file = value.mapping?["file"]?.string, file.hasPrefix("/"), !isInside(file, root) else { continue }
                found.insert(HostPower(owner: "\(section) \(key.string ?? "")", kind: section, detail: file))
            }
        }
        // A named volume bound to a host folder is a bind mount by another name.
        for (key, value) in model.mapping?["volumes"]?.mapping ?? [:] {
            guard let name = key.string, let device = value.mapping?["driver_opts"]?.mapping?["device"]?.string, device.hasPrefix("/") else { continue }
            if let ownVolumes, device == ownVolumes + "/" + name { continue }
            if !isInside(device, root) || device.split(separator: "/").contains("..") {
                found.insert(HostPower(owner: "volume \(name)", kind: "bind", detail: device))
            }
        }
        return found
    }

    /// Such settings of the one service `name`; `root`: nil leaves binds out.
    public static func find(inService name: String, _ service: Node.Mapping, root: String?) -> Set<HostPower> {
        var found = Set<HostPower>()
        func add(_ kind: String, _ detail: String = "") { found.insert(HostPower(owner: name, kind: kind, detail: detail)) }
        if service["privileged"]?.bool == true { add("privileged") }
        for capability in strings(service["cap_add"]) {
            let upper = capability.uppercased()
            add("cap_add", upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper)
        }
        for device in service["devices"]?.sequence.map(Array.init) ?? [] {
            add("devices", device.mapping?["source"]?.string ?? device.string.map { String($0.split(separator: ":").first ?? "") } ?? "")
        }
        for setting in ["pid", "ipc", "network_mode", "userns_mode"] where service[setting]?.string == "host" { add(setting, "host") }
        for option in strings(service["security_opt"]) where option.contains("unconfined") || option.hasSuffix("disable") {
            add("security_opt", option)
        }
        if let sysctls = service["sysctls"]?.mapping {
            for (name, _) in sysctls { add("sysctls", name.string ?? "") }
        } else {
            for entry in strings(service["sysctls"]) { add("sysctls", String(entry.split(separator: "=").first ?? "")) }
        }
        if let root {
            for volume in service["volumes"]?.sequence.map(Array.init) ?? [] {
                if let source = bindSource(volume), source.hasPrefix("/"), !isInside(source, root) { add("bind", source) }
            }
        }
        return found
    }

    private static func isInside(_ path: String, _ root: String) -> Bool { path == root || path.hasPrefix(root + "/") }

    /// The host side of a bind mount, long or short syntax; nil for a named or anonymous volume.
    private static func bindSource(_ volume: Node) -> String? {
        if let mapping = volume.mapping { return mapping["type"]?.string == "bind" ? mapping["source"]?.string : nil }
        guard let text = volume.string, text.hasPrefix("/") else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 2 ? String(parts[0]) : nil
    }

    private static func strings(_ node: Node?) -> [String] {
        node?.sequence.map { $0.compactMap(\.string) } ?? []
    }
}
