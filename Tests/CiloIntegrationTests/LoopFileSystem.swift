#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real file system in a loop-mounted image file, made and mounted by a test and
/// unmounted (image deleted) by `tearDown()`.
final class LoopFileSystem {
    enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
        case btrfs, xfs, ext4
        var description: String { rawValue }

        var mkfs: [String] {
            switch self {
            case .btrfs: return ["mkfs.btrfs", "-q", "-f"]
            case .xfs: return ["mkfs.xfs", "-q", "-f", "-m", "reflink=1"]
            case .ext4: return ["mkfs.ext4", "-q", "-F"]
            }
        }

        var tool: String { mkfs[0] }

        /// The smallest image mkfs accepts comfortably.
        var minimumMiB: Int { self == .xfs ? 300 : (self == .btrfs ? 120 : 8) }
    }

    let kind: Kind
    let directory: String
    let mountPoint: String
    private let image: String
    private var mounted = false

    /// Makes and mounts a `kind` file system of `sizeMiB` (raised to what mkfs needs).
    init(_ kind: Kind, sizeMiB: Int = 400, options: String? = nil) throws {
        self.kind = kind
        directory = try Integration.temporaryDirectory("fs-\(kind)")
        image = directory + "/image"
        mountPoint = directory + "/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        do {
            try Integration.check(["truncate", "-s", "\(max(sizeMiB, kind.minimumMiB))M", image])
            try Integration.check(kind.mkfs + [image])
            try Integration.check(["mount", "-o", "loop" + (options.map { "," + $0 } ?? ""), image, mountPoint])
            mounted = true
        } catch {
            tearDown()
            throw error
        }
    }

    /// A path inside the mounted file system.
    func path(_ relative: String) -> String { mountPoint + "/" + relative }

    /// Unmounts (retrying while busy) and deletes the image.
    func tearDown() {
        if mounted {
            for _ in 0..<20 {
                if (try? Integration.run(["umount", mountPoint]))?.status == 0 { break }
                usleep(100_000)
            }
            mounted = false
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
