import Foundation
import NIOHTTP1

/// Removals over the Engine API: the same steps as through the CLI, without a `docker` process
/// per step (six of them per environment: the CPU a destroy of many environments spent most).
extension DockerClient {
    private struct NamedObject: Decodable {
        var name: String
        var labels: [String: String]?
        enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels" }
    }

    private struct VolumeListing: Decodable {
        var volumes: [NamedObject]?
        enum CodingKeys: String, CodingKey { case volumes = "Volumes" }
    }

    /// The labels `--filter label=X` pairs name.
    static func labels(inFilters filters: [String]) -> [String] {
        filters.compactMap { $0.hasPrefix("label=") ? String($0.dropFirst("label=".count)) : nil }
    }

    /// Removes the containers carrying `labels` (forced; with their anonymous volumes when asked).
    /// - Returns: their IDs.
    @discardableResult
    func removeContainersByAPI(_ api: EngineAPI, labels: [String], volumes: Bool) async throws(CiloError) -> [String] {
        let ids = try await listed(api, labels: labels).map(\.container.id)
        for answer in await SideBySide.each(ids, { id throws(CiloError) in
            let removed = try await api.send(.DELETE, "/containers/\(id)", query: [("force", "true"), ("v", volumes ? "true" : "false")])
            // Gone already, or another remover at it: either way it goes.
            guard [204, 404, 409].contains(removed.status) else {
                throw CiloError(.failed, "removing container \(id.prefix(12)) failed: Docker answered \(removed.status)")
            }
        }) {
            if case .failure(let error) = answer { throw error }
        }
        return ids
    }

    /// `removeObjects` over the API: containers, volumes, then networks carrying `labels`.
    func removeObjectsByAPI(_ api: EngineAPI, labels: [String]) async throws(CiloError) -> [String] {
        let containers = try await removeContainersByAPI(api, labels: labels, volumes: true)
        let filter = EngineAPI.labelFilter(labels)
        let volumes = try await api.decoded(VolumeListing.self, "/volumes", query: [filter]).volumes ?? []
        for volume in volumes where isOwn(homeLabel: volume.labels?["dev.cilo.home"]) {
            let removed = try await api.send(.DELETE, "/volumes/\(volume.name)", query: [("force", "true")])
            guard [204, 404].contains(removed.status) else { throw CiloError(.failed, "removing volume \(volume.name) failed: Docker answered \(removed.status)") }
        }
        var left: [String] = []
        for network in try await api.decoded([NamedObject].self, "/networks", query: [filter]) where isOwn(homeLabel: network.labels?["dev.cilo.home"]) {
            if let note = try await removeNetworkByAPI(api, network.name, formerContainers: containers) { left.append(note) }
        }
        return left
    }

    /// `removeNetwork` over the API (the stale endpoint of dockerd 20.10 included).
    private func removeNetworkByAPI(_ api: EngineAPI, _ name: String, formerContainers: [String]) async throws(CiloError) -> String? {
        let removed = try await api.send(.DELETE, "/networks/\(name)")
        if [204, 404].contains(removed.status) { return nil }
        let said = String(decoding: removed.body, as: UTF8.self)
        guard said.contains("has active endpoints") else { throw CiloError(.failed, "removing network \(name) failed: Docker answered \(removed.status): \(said)") }
        for container in formerContainers {
            let body = Data(#"{"Container":"\#(container)","Force":true}"#.utf8)
            // Not connected (or gone) is what most answer; only the stale endpoint matters.
            _ = try await api.send(.POST, "/networks/\(name)/disconnect", json: body)
        }
        let again = try await api.send(.DELETE, "/networks/\(name)")
        if [204, 404].contains(again.status) { return nil }
        struct Attached: Decodable { var containers: [String: AttachedContainer]?; enum CodingKeys: String, CodingKey { case containers = "Containers" } }
        struct AttachedContainer: Decodable {}
        guard (try await api.decoded(Attached.self, "/networks/\(name)").containers ?? [:]).isEmpty else {
            throw CiloError(.failed, "removing network \(name) failed: Docker answered \(again.status): \(String(decoding: again.body, as: UTF8.self))")
        }
        return Self.staleEndpointNote(name)
    }

    /// What a network Docker keeps a stale endpoint in is said as.
    static func staleEndpointNote(_ network: String) -> String {
        "Docker keeps a stale endpoint in network \(network) (a fault of dockerd's, no container is attached): "
            + "it stays until dockerd restarts; cilo doctor --fix removes it then"
    }
}
