import Yams

/// Images of `build:` services, built once per build-context content and shared by every
/// environment of the project: each gets the tag `cilo-build/<project>-<service>:<digest>`
/// (unless the project names the image itself), so compose builds it only when no image of
/// that content exists, and `up --build` rebuilds. Built images carry cilo's labels.
enum BuildImages {
    /// Tags every `build:` service of the isolated model. - Returns: the tags given.
    static func assignTags(_ result: inout ComposeIsolation.Result, project: String) throws(CiloError) -> [String] {
        guard var root = result.model.mapping, var services = root["services"]?.mapping else { return [] }
        var tags: [String] = []
        for (key, value) in services {
            guard let name = key.string, var service = value.mapping, let build = service["build"] else { continue }
            var definition = build.mapping ?? Node.Mapping([(Node("context"), build)])
            guard let context = definition["context"]?.string, context.hasPrefix("/") else { continue }
            // The definition without its context path (every workspace has its own) is part of the content.
            var described = definition
            described["context"] = nil
            // Compose v2 writes the default Dockerfile out, v1 leaves it implicit: one content, one digest.
            if described["dockerfile"]?.string == "Dockerfile" { described["dockerfile"] = nil }
            definition["labels"] = mergedLabels(definition["labels"], project: project)
            service["build"] = .mapping(definition)
            if service["image"] == nil {
                let text: String
                do { text = try Yams.serialize(node: .mapping(described)) } catch {
                    throw CiloError(.failed, "cannot describe the build of service \(name): \(error)")
                }
                let digest = try BuildContextDigest.of(context, extra: text)
                let repository = NameRules.normalize(name).isEmpty ? "service" : NameRules.normalize(name)
                let tag = "cilo-build/\(project)-\(repository):\(digest)"
                service["image"] = Node(tag)
                tags.append(tag)
            }
            services[key] = .mapping(service)
        }
        root["services"] = .mapping(services)
        result.model = .mapping(root)
        return tags
    }

    private static func mergedLabels(_ existing: Node?, project: String) -> Node {
        var mapping = existing?.mapping ?? Node.Mapping([])
        for item in existing?.sequence ?? [] {
            guard let text = item.string else { continue }
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            mapping[Node(parts[0])] = Node(parts.count > 1 ? parts[1] : "", Tag(.str), .doubleQuoted)
        }
        for (key, value) in [("dev.cilo.managed", "true"), ("dev.cilo.project", project), ("dev.cilo.built", "true")] {
            mapping[Node(key)] = Node(value, Tag(.str), .doubleQuoted)
        }
        return .mapping(mapping)
    }
}
