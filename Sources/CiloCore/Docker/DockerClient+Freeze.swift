import NIOHTTP1

/// Freezing containers while their data is copied (`cilo fork`, `checkpoint`): Docker's pause,
/// the cgroup freezer, which stops every process of a container where it stands.
extension DockerClient {
    /// Freezes running containers; one already paused is fine.
    public func pause(_ containers: [String]) async throws(CiloError) {
        try await each(containers, action: "pause", alreadyDone: "is already paused")
    }

    /// Thaws paused containers; one not paused, or gone, is fine.
    public func unpause(_ containers: [String]) async throws(CiloError) {
        try await each(containers, action: "unpause", alreadyDone: "is not paused")
    }

    /// `POST /containers/{id}/<action>` for each container side by side (the CLI where the
    /// endpoint is not a socket cilo reaches); a conflict saying `alreadyDone` is success.
    private func each(_ containers: [String], action: String, alreadyDone: String) async throws(CiloError) {
        guard !containers.isEmpty else { return }
        guard let api else {
            let result = try await docker([action] + containers)
            let settled = result.error.contains(alreadyDone) || (action == "pause" && result.error.contains("is not running"))
            guard result.succeeded || settled else { throw CiloError(.failed, "docker \(action) failed: \(result.tail())") }
            return
        }
        for answer in await SideBySide.each(containers, { id throws(CiloError) in
            let answered = try await api.send(.POST, "/containers/\(id)/\(action)")
            if answered.status == 204 { return }
            let said = String(decoding: answered.body, as: UTF8.self)
            // Already in that state (409 from newer engines, 500 from 20.10); on unpause a container
            // gone is not frozen either; on pause one that stopped since it was listed runs nothing.
            if said.contains(alreadyDone) { return }
            if answered.status == 404 && action == "unpause" { return }
            if action == "pause" && said.contains("is not running") { return }
            throw CiloError(.failed, "docker \(action) of container \(id.prefix(12)) failed: Docker answered \(answered.status) \(said.prefix(200))")
        }) {
            if case .failure(let error) = answer { throw error }
        }
    }
}
