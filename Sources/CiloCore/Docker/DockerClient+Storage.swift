import Foundation

/// Where cilo's disk goes in Docker: the images it built, its volumes, the build cache.
extension DockerClient {
    /// An image cilo built (label `dev.cilo.built=true`).
    public struct BuiltImage: Sendable, Equatable, Codable {
        /// The engine it is on (`cilo prune` across engines); nil: this machine.
        public var engine: String?
        /// `cilo-build/<project>-<service>:<digest>`, or nil for a dangling one (superseded by a rebuild).
        public var tag: String?
        public var id: String
        public var project: String
        public var bytes: Int
    }

    /// Every image labelled as built by cilo, tagged or dangling (two calls: list, inspect).
    public func builtImages() async throws(CiloError) -> [BuiltImage] {
        let listed = try await check(
            ["image", "ls", "--no-trunc", "--filter", "label=dev.cilo.built=true", "--format", "{{.ID}}\t{{.Repository}}:{{.Tag}}"],
            "docker image ls")
        var tags: [String: [String]] = [:]
        for line in listed.output.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count == 2 else { continue }
            tags[fields[0], default: []].append(fields[1])
        }
        guard !tags.isEmpty else { return [] }
        let inspected = try await check(
            ["image", "inspect", "--format", "{{.Id}}\t{{.Size}}\t{{index .Config.Labels \"dev.cilo.project\"}}"] + tags.keys.sorted(),
            "docker image inspect")
        var images: [BuiltImage] = []
        for line in inspected.output.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            for tag in tags[fields[0]] ?? [] {
                images.append(BuiltImage(tag: tag.contains("<none>") ? nil : tag, id: fields[0], project: fields[2], bytes: Int(fields[1]) ?? 0))
            }
        }
        return images
    }

    /// Removes dangling images cilo built (earlier builds a rebuild superseded) that no container uses.
    public func removeDanglingBuiltImages(project: String?) async throws(CiloError) {
        let scope = project.map { ["--filter", "label=dev.cilo.project=\($0)"] } ?? []
        _ = try await check(["image", "prune", "--force", "--filter", "label=dev.cilo.built=true"] + scope, "docker image prune")
    }

    /// Removes the image `tag` unless a container (of any project) was made from it.
    public func removeImageIfUnused(_ tag: String) async throws(CiloError) {
        guard try await !imageInUse(tag) else { return }
        let removed = try await docker(["image", "rm", tag])
        if removed.succeeded { return }
        // Gone already (another destroy took it) is fine; still there is not.
        if try await docker(["image", "inspect", "--format", "{{.Id}}", tag]).succeeded {
            throw CiloError(.failed, "removing image \(tag) failed: \(removed.tail())")
        }
    }

    /// Whether any container (running or not) was made from `tag`: a shared service's build, one
    /// made outside cilo.
    public func imageInUse(_ tag: String) async throws(CiloError) -> Bool {
        try await !check(["ps", "-aq", "--filter", "ancestor=\(tag)"], "docker ps").output.isEmpty
    }

    /// The bytes Docker's build cache holds and how many of them it could free now
    /// (`docker system df`); nil when Docker does not say.
    public func buildCache() async throws(CiloError) -> (bytes: String, reclaimable: String)? {
        let result = try await check(["system", "df", "--format", "{{.Type}}\t{{.Size}}\t{{.Reclaimable}}"], "docker system df")
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            if fields.count == 3 && fields[0] == "Build Cache" { return (fields[1], fields[2]) }
        }
        return nil
    }

    /// The folder holding each named volume's data, by name (one call).
    public func volumeMountpoints(_ names: [String]) async throws(CiloError) -> [String: String] {
        guard !names.isEmpty else { return [:] }
        let format = "{{.Name}}\t{{.Mountpoint}}\t{{if .Options}}{{index .Options \"device\"}}{{end}}"
        let result = try await check(["volume", "inspect", "--format", format] + names, "docker volume inspect")
        var found: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { continue }
            // A volume bound to a folder (cilo's in its home, or one of the project's) keeps its data there.
            found[fields[0]] = fields.count == 3 && fields[2].hasPrefix("/") ? fields[2] : fields[1]
        }
        return found
    }
}
