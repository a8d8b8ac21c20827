import Yams

/// The project's named volumes in an isolated model.
extension ComposeIsolation {
    /// Labels the project's own named volumes and, with a `volumeFolder`, keeps the data of each
    /// one Docker's local driver would keep in that folder instead (a bind of `<folder>/<key>`).
    /// A volume with options of its own keeps them; a device path in them is judged like a bind.
    func rewriteVolumes(_ root: inout Node.Mapping, result: inout Result) throws(CiloError) {
        guard let volumes = root["volumes"]?.mapping else { return }
        var rewritten = Node.Mapping([])
        for (key, value) in volumes {
            var volume = value.mapping ?? Node.Mapping([])
            defer { rewritten[key] = .mapping(volume) }
            guard volume["external"]?.bool != true, let name = key.string else { continue }
            volume["labels"] = labelsNode(merging: volume["labels"])
            if var options = volume["driver_opts"]?.mapping {
                if let device = options["device"]?.string, device.hasPrefix("/") {
                    options["device"] = Node(try hostPath(device, what: "volume \(name): device", warnings: &result.warnings))
                    volume["driver_opts"] = .mapping(options)
                }
                if volumeFolder != nil { result.warnings.append("volume \(name) has driver options of its own: Docker keeps its data, and fork and checkpoints leave it out") }
                continue
            }
            guard let folder = volumeFolder else { continue }
            let driver = volume["driver"]?.string ?? "local"
            guard driver == "local" else {
                result.warnings.append("volume \(name) uses the \(driver) driver: it keeps its data, and fork and checkpoints leave it out")
                continue
            }
            guard Self.isFolderName(name) else {
                result.warnings.append("volume \(name): its name cannot be a folder's, so Docker keeps its data, and fork and checkpoints leave it out")
                continue
            }
            volume["driver"] = Node("local")
            volume["driver_opts"] = .mapping(Node.Mapping([
                (Node("type"), Node("none")), (Node("o"), Node("bind")), (Node("device"), Node(folder + "/" + name)),
            ]))
            result.volumes.append(name)
        }
        root["volumes"] = .mapping(rewritten)
    }

    /// Whether a volume's key can name its folder: no slash, no NUL, not `.` or `..`.
    static func isFolderName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }
}
