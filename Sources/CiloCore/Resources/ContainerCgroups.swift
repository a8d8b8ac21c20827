import CiloSystem
import SystemPackage

/// Finds containers' cgroups without asking Docker: one pass over `/proc/<pid>/cgroup`,
/// matching the container ID in the path, which works for the cgroupfs (`/docker/<id>`)
/// and systemd (`/system.slice/docker-<id>.scope`) drivers, v1 and v2 alike.
public enum ContainerCgroups {
    /// The cgroup location of each container in `ids` (full IDs) that has a process.
    /// - Throws: when the process table cannot be read (every figure would be missing, not zero).
    public static func locate(
        _ ids: [String], procRoot: String = "/proc", cgroupRoot: String = "/sys/fs/cgroup"
    ) throws(CiloError) -> [String: CgroupLocation] {
        var found: [String: CgroupLocation] = [:]
        let unified = HostFacts.readSmallFile(cgroupRoot + "/cgroup.controllers") != nil
        // Where Docker's two cgroup drivers put a container on cgroup v2: looked at first, so the
        // process table is read only for the others (its size grows with every container running).
        for id in ids {
            let paths = ["/docker/\(id)", "/system.slice/docker-\(id).scope"]
            let holder = unified ? cgroupRoot : cgroupRoot + "/memory"
            guard let path = paths.first(where: { HostFacts.readSmallFile(holder + $0 + "/cgroup.procs", limit: 1 << 16).map { !$0.isEmpty } ?? false })
            else { continue }
            // As its processes' /proc/<pid>/cgroup would name it, so both hierarchies are found one way.
            let named = unified ? "0::\(path)\n" : "4:memory:\(path)\n2:cpu,cpuacct:\(path)\n8:pids:\(path)\n"
            found[id] = CgroupLocation.locate(procCgroup: Array(named.utf8), root: cgroupRoot, unified: unified)
        }
        let wanted = Set(ids).subtracting(found.keys)
        guard !wanted.isEmpty else { return found }
        var pids: [String] = []
        do throws(Errno) {
            let proc = try PathOpening.openDirectory(Array(procRoot.utf8))
            defer { proc.closeIgnoringErrors() }
            try DirectoryReader(directory: proc).forEachEntry { name, _ in
                if name.bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { pids.append(name.displayString) }
                return true
            }
        } catch {
            throw .system(error, "cannot read the process table", path: procRoot)
        }
        for pid in pids where found.count < ids.count {
            guard let contents = HostFacts.readSmallFile("\(procRoot)/\(pid)/cgroup", limit: 8192),
                let id = containerID(in: contents), wanted.contains(id), found[id] == nil,
                let location = CgroupLocation.locate(procCgroup: contents, root: cgroupRoot, unified: unified)
            else { continue }
            found[id] = location
        }
        return found
    }

    /// The 64-hex-digit container ID in a `/proc/<pid>/cgroup` file, if its path names one.
    static func containerID(in contents: [UInt8]) -> String? {
        guard let text = String(validating: contents, as: UTF8.self) else { return nil }
        for line in text.split(separator: "\n") {
            guard let path = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).last else { continue }
            for component in path.split(separator: "/").reversed() {
                var candidate = Substring(component)
                if candidate.hasSuffix(".scope") { candidate = candidate.dropLast(6) }
                if let dash = candidate.lastIndex(of: "-") { candidate = candidate[candidate.index(after: dash)...] }
                if candidate.count == 64 && candidate.allSatisfy(\.isHexDigit) { return String(candidate) }
            }
        }
        return nil
    }
}
