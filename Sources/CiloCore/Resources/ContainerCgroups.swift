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
        let wanted = Set(ids)
        var found: [String: CgroupLocation] = [:]
        guard !wanted.isEmpty else { return found }
        let unified = HostFacts.readSmallFile(cgroupRoot + "/cgroup.controllers") != nil
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
        for pid in pids where found.count < wanted.count {
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
