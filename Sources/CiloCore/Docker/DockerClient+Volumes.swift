import Foundation

/// One environment's named volumes, for moving the data of an environment made before volumes
/// lived in cilo's home.
extension DockerClient {
    private struct InspectedVolume: Decodable {
        var name: String
        var driver: String
        var mountpoint: String
        var options: [String: String]?
        var labels: [String: String]?
        enum CodingKeys: String, CodingKey { case name = "Name", driver = "Driver", mountpoint = "Mountpoint", options = "Options", labels = "Labels" }
    }

    public func environmentVolumes(project: String, env: String) async throws(CiloError) -> [EngineVolume] {
        let filter = ["--filter", "label=dev.cilo.project=\(project)", "--filter", "label=dev.cilo.env=\(env)"]
        let names = try await check(["volume", "ls", "-q"] + filter, "docker volume ls").output.split(separator: "\n").map(String.init)
        guard !names.isEmpty else { return [] }
        let inspected = try await check(["volume", "inspect"] + names, "docker volume inspect")
        let volumes: [InspectedVolume]
        do { volumes = try JSONDecoder().decode([InspectedVolume].self, from: Data(inspected.output.utf8)) } catch {
            throw CiloError(.failed, "docker volume inspect answered what cilo cannot read: \(error)")
        }
        return volumes.filter { isOwn(homeLabel: $0.labels?["dev.cilo.home"]) }.map {
            EngineVolume(name: $0.name, driver: $0.driver, mountpoint: $0.mountpoint, options: $0.options ?? [:], labels: $0.labels ?? [:])
        }
    }

    public func removeVolume(_ name: String) async throws(CiloError) {
        let result = try await docker(["volume", "rm", name])
        guard result.succeeded || result.error.contains("No such volume") else { throw CiloError(.failed, "removing volume \(name) failed: \(result.tail())") }
    }
}
