import CiloSystem
import SystemPackage

/// What all environments of the home really hold on disk.
extension Doctor {
    /// One finding: the workspaces' exclusive bytes beside what `du` would claim for them
    /// (every clone counted in full), the volumes' bytes and the images cilo built.
    func checkDisk(_ records: [EnvironmentRecord], objects: [DockerClient.ManagedObject]?) async -> [DoctorFinding] {
        // A missing workspace is the environment check's finding; here it is only not counted.
        let measurable = records.filter { $0.status != .creating && $0.status != .destroying }
            .filter { record in
                do throws(Errno) { return try PathOpening.statusIfPresent(BytePath(record.workspace).bytes) != nil } catch {
                    return true  // measured, so the measurement names what it cannot read
                }
            }
        let workspaces = measurable.map { self.home.diskTree(of: $0) }
        let subject = "\(workspaces.count) workspace\(workspaces.count == 1 ? "" : "s")"
        var parts: [String] = []
        var total = 0
        do throws(CiloError) {
            let measured = try await DiskUsage().measureOffPool(workspaces)
            let claimed = measured.reports.reduce(0) { $0 + $1.allocatedBytes }
            total += measured.total.exclusiveBytes
            parts.append("workspaces \(ByteFormatting.iec(measured.total.exclusiveBytes)) exclusive (du would say \(ByteFormatting.iec(claimed)))")
        } catch {
            return [DoctorFinding(.warning, "disk", home.root.display, "cannot measure the workspaces: \(error.description)")]
        }
        // Volumes and checkpoints in the home: exclusive bytes, as workspaces (forks share extents).
        for (area, what) in [("volumes", "volumes in cilo's home"), ("checkpoints", "checkpoints")] {
            do throws(CiloError) {
                guard try !store.folders(in: area).isEmpty else { continue }
                let measured = try await DiskUsage().measureOffPool([self.home.path(area)])
                total += measured.total.exclusiveBytes
                parts.append("\(what) \(ByteFormatting.iec(measured.total.exclusiveBytes)) exclusive")
            } catch {
                parts.append("\(what) unknown (\(error.message))")
            }
        }
        // Overlay workspaces share their bases: counted once, here.
        do throws(CiloError) {
            if try !store.folders(in: "bases").isEmpty {
                let measured = try await DiskUsage().measureOffPool([self.home.path("bases")])
                total += measured.total.exclusiveBytes
                parts.append("overlay bases \(ByteFormatting.iec(measured.total.exclusiveBytes))")
            }
        } catch {
            parts.append("overlay bases unknown (\(error.message))")
        }
        guard let objects else { return [DoctorFinding(.ok, "disk", subject, parts.joined(separator: ", ") + "; Docker's share unknown")] }
        let home = self.home.root.display
        let volumes = objects.filter { $0.kind == .volume && ($0.home == nil || $0.home == home) }.map(\.name)
        do throws(CiloError) {
            // Volumes kept in the home were counted with its volumes; the rest are Docker's.
            let inHome = self.home.root.display + "/"
            let folders = try await engine.volumeMountpoints(volumes).values.filter { !$0.hasPrefix(inHome) }.map { BytePath($0) }
            let measured = try await DiskUsage().measureOffPool(folders)
            total += measured.total.allocatedBytes
            parts.append("\(folders.count) volume\(folders.count == 1 ? "" : "s") Docker keeps \(ByteFormatting.iec(measured.total.allocatedBytes))")
        } catch {
            parts.append("volumes unknown (\(error.message))")
        }
        do throws(CiloError) {
            var sizes: [String: Int] = [:]
            for image in try await engine.builtImages() { sizes[image.id] = image.bytes }
            let bytes = sizes.values.reduce(0, +)
            total += bytes
            parts.append("\(sizes.count) image\(sizes.count == 1 ? "" : "s") cilo built \(ByteFormatting.iec(bytes)) (base layers included)")
        } catch {
            parts.append("images unknown (\(error.message))")
        }
        return [DoctorFinding(.ok, "disk", subject, "environments hold \(ByteFormatting.iec(total)): " + parts.joined(separator: ", "))]
    }
}
