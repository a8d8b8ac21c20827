/// What a sandbox needs to know of an environment's Docker network.
extension DockerClient {
    /// The Linux bridge behind network `name` (`br-` and the start of its id) and the addresses
    /// its containers hold; nil when the network does not exist.
    public func bridge(of name: String) async throws(CiloError) -> (interface: String, addresses: Set<String>)? {
        let result = try await docker(["network", "inspect", "--format", "{{.Id}} {{range .Containers}}{{.IPv4Address}} {{end}}", name])
        guard result.succeeded else { return nil }
        let fields = result.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard let id = fields.first, id.count >= 12 else { return nil }
        let addresses = fields.dropFirst().map { String($0.split(separator: "/").first ?? "") }
        return ("br-" + id.prefix(12), Set(addresses))
    }
}
