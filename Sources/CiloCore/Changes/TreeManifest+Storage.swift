import CiloSystem
import Foundation
import SystemPackage

/// The manifest on disk: `manifest` in cilo's folder of the environment, a header then one
/// record per entry (path length and bytes, then the stamps), little-endian.
extension TreeManifest {
    private static let header = Array("CILOMANIFEST1\n".utf8)
    static let fileName = FileName("manifest")

    /// Writes the manifest into `folder` (0600, atomically).
    func save(in folder: BytePath, home: CiloHome) throws(CiloError) {
        var bytes = Self.header
        bytes.reserveCapacity(entries.count * 120)
        for (path, stamps) in entries {
            Self.append(UInt32(path.count), to: &bytes)
            bytes += path
            Self.append(stamps.workspace, to: &bytes)
            bytes.append(stamps.source == nil ? 0 : 1)
            if let source = stamps.source { Self.append(source, to: &bytes) }
        }
        let directory = try home.makeDirectory(folder)
        defer { directory.closeIgnoringErrors() }
        do throws(Errno) { try AtomicFile.write(bytes, to: Self.fileName, in: directory, permissions: 0o600) } catch {
            throw .system(error, "cannot write the workspace's manifest", path: folder.display)
        }
    }

    /// The manifest kept in `folder`, nil when there is none.
    static func load(from folder: BytePath) throws(CiloError) -> TreeManifest? {
        let bytes: [UInt8]?
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            bytes = try AtomicFile.read(fileName, in: directory)
        } catch .noSuchFileOrDirectory {
            return nil
        } catch {
            throw .system(error, "cannot read the workspace's manifest", path: folder.display)
        }
        guard let bytes else { return nil }
        guard bytes.starts(with: header) else { throw CiloError(.damaged, "the workspace's manifest is damaged", path: folder.display) }
        var reader = Reader(bytes: bytes, offset: header.count)
        var manifest = TreeManifest()
        while reader.offset < bytes.count {
            guard let length = reader.integer(UInt32.self), let path = reader.take(Int(length)), let workspace = reader.stamp(),
                let hasSource = reader.take(1)
            else { throw CiloError(.damaged, "the workspace's manifest is damaged", path: folder.display) }
            var source: Stamp?
            if hasSource[0] == 1 {
                guard let stamp = reader.stamp() else { throw CiloError(.damaged, "the workspace's manifest is damaged", path: folder.display) }
                source = stamp
            }
            manifest.entries[path] = (workspace, source)
        }
        return manifest
    }

    private static func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private static func append(_ stamp: Stamp, to bytes: inout [UInt8]) {
        bytes.append(stamp.kind)
        append(stamp.mode, to: &bytes)
        for value in [stamp.size, stamp.modified.seconds, stamp.modified.nanoseconds, stamp.changed.seconds, stamp.changed.nanoseconds] {
            append(value, to: &bytes)
        }
        append(stamp.inode, to: &bytes)
    }

    /// Reads fixed-width fields off the bytes; nil past the end.
    private struct Reader {
        let bytes: [UInt8]
        var offset: Int

        mutating func take(_ count: Int) -> [UInt8]? {
            guard count >= 0, offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }

        mutating func integer<Value: FixedWidthInteger>(_ type: Value.Type) -> Value? {
            guard let raw = take(MemoryLayout<Value>.size) else { return nil }
            return raw.reversed().reduce(Value.zero) { $0 << 8 | Value($1) }
        }

        mutating func stamp() -> Stamp? {
            guard let kind = take(1)?.first, let mode = integer(UInt32.self), let size = integer(Int64.self),
                let modifiedSeconds = integer(Int64.self), let modifiedNanoseconds = integer(Int64.self),
                let changedSeconds = integer(Int64.self), let changedNanoseconds = integer(Int64.self), let inode = integer(UInt64.self)
            else { return nil }
            return Stamp(kind: kind, mode: mode, size: size,
                         modified: FileTime(seconds: modifiedSeconds, nanoseconds: modifiedNanoseconds),
                         changed: FileTime(seconds: changedSeconds, nanoseconds: changedNanoseconds), inode: inode)
        }
    }
}
