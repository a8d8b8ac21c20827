#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import CiloSystem
import SystemPackage

/// Everything about a tree that a faithful clone must reproduce, keyed by byte path.
struct TreeSnapshot {
    struct Entry: Equatable {
        var kind: FileStatus.Kind
        var permissions: UInt32
        var userID: UInt32
        var groupID: UInt32
        var size: Int64
        var modificationTime: FileTime
        var linkTarget: [UInt8]?
        var contentDigest: UInt64?
        var extendedAttributes: [[UInt8]: [UInt8]]
        /// The hard-link group: the smallest path sharing this inode, nil for single links.
        var linkGroup: [UInt8]?
        /// Whether the file has fewer blocks than its size (holes).
        var isSparse: Bool
    }

    var entries: [[UInt8]: Entry] = [:]
    /// Inodes (device, inode) seen, for inspecting extents afterwards.
    var inodes: [[UInt8]: InodeKey] = [:]

    init(of root: String) throws {
        let top = try PathOpening.openDirectory(Array(root.utf8))
        defer { top.closeIgnoringErrors() }
        var groups: [InodeKey: [UInt8]] = [:]
        let status = try top.status()
        entries[[]] = try Self.entry(status, in: top, name: nil, path: [], groups: &groups)
        try walk(top, path: [], groups: &groups)
        for (path, key) in inodes where entries[path]?.linkGroup != nil {
            entries[path]?.linkGroup = groups[key]
        }
    }

    private mutating func walk(_ directory: FileDescriptor, path: [UInt8], groups: inout [InodeKey: [UInt8]]) throws {
        var names: [FileName] = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            names.append(name)
            return true
        }
        for name in names {
            let childPath = path.isEmpty ? Array(name.bytes) : path + [0x2F] + name.bytes
            let status = try directory.status(of: name)
            entries[childPath] = try Self.entry(status, in: directory, name: name, path: childPath, groups: &groups)
            inodes[childPath] = InodeKey(device: status.device, inode: status.inode)
            if status.kind == .directory {
                let child = try directory.openDirectory(name)
                defer { child.closeIgnoringErrors() }
                try walk(child, path: childPath, groups: &groups)
            }
        }
    }

    private static func entry(_ status: FileStatus, in directory: FileDescriptor, name: FileName?, path: [UInt8], groups: inout [InodeKey: [UInt8]]) throws -> Entry {
        var entry = Entry(
            kind: status.kind, permissions: status.permissions, userID: status.userID, groupID: status.groupID,
            size: status.kind == .directory ? 0 : status.size, modificationTime: status.modificationTime,
            linkTarget: nil, contentDigest: nil, extendedAttributes: [:], linkGroup: nil,
            isSparse: status.kind == .regular && status.mayBeSparse)
        if status.kind != .directory && status.linkCount > 1 {
            let key = InodeKey(device: status.device, inode: status.inode)
            if let first = groups[key], first.lexicographicallyPrecedes(path) {} else { groups[key] = path }
            entry.linkGroup = path
        }
        guard let name else { return entry }
        switch status.kind {
        case .symbolicLink:
            entry.linkTarget = try directory.symbolicLinkTarget(of: name)
        case .regular:
            let file = try directory.open(name, flags: O_RDONLY)
            defer { file.closeIgnoringErrors() }
            entry.contentDigest = try digest(file)
            entry.extendedAttributes = try attributes(file)
        case .directory:
            let child = try directory.openDirectory(name)
            defer { child.closeIgnoringErrors() }
            entry.extendedAttributes = try attributes(child)
        default:
            break
        }
        return entry
    }

    /// FNV-1a over the whole content.
    private static func digest(_ file: FileDescriptor) throws -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            let count = try file.read(into: buffer, at: offset)
            if count == 0 { break }
            var index = 0
            while index + 8 <= count {
                hash = (hash ^ buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0x100_0000_01b3
                index += 8
            }
            while index < count {
                hash = (hash ^ UInt64(buffer[index])) &* 0x100_0000_01b3
                index += 1
            }
            offset += Int64(count)
        }
        return hash
    }

    private static func attributes(_ file: FileDescriptor) throws -> [[UInt8]: [UInt8]] {
        var result: [[UInt8]: [UInt8]] = [:]
        for name in try file.extendedAttributeNames() where name.starts(with: Array("user.".utf8)) {
            result[name] = try file.extendedAttribute(name)
        }
        return result
    }

    /// Human-readable differences between this (the source) and `copy`; empty when faithful.
    /// `ignoringSparseness` for reflink copies whose holes are the file system's business.
    func differences(from copy: TreeSnapshot, skipping skipped: Set<[UInt8]> = [], checkSparse: Bool) -> [String] {
        var problems: [String] = []
        for (path, expected) in entries where !skipped.contains(path) {
            let shown = DisplayBytes.string(path)
            guard var actual = copy.entries[path] else {
                problems.append("missing in copy: \(shown)")
                continue
            }
            if !checkSparse || !expected.isSparse { actual.isSparse = expected.isSparse }
            if actual != expected { problems.append("differs: \(shown.suffix(120))\n  source \(expected)\n  copy   \(actual)") }
        }
        for path in copy.entries.keys where entries[path] == nil {
            problems.append("extra in copy: \(DisplayBytes.string(path))")
        }
        for path in skipped where copy.entries[path] != nil {
            problems.append("should have been skipped: \(DisplayBytes.string(path))")
        }
        return problems
    }
}
