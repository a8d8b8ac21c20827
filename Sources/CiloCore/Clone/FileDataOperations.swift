import CiloSystem
import SystemPackage

/// The three ways to move one regular file's data, behind a protocol so the fallback
/// ladder can be tested with injected errnos.
public protocol FileDataOperations: Sendable {
    /// Shares all of `source`'s extents with the empty `destination`.
    func reflink(from source: FileDescriptor, to destination: FileDescriptor) throws(Errno)
    /// Copies `size` bytes in the kernel, only the data segments when `sparse`.
    func copyRange(from source: FileDescriptor, to destination: FileDescriptor, size: Int64, sparse: Bool) throws(Errno)
    /// Copies `size` bytes through a user-space buffer, only the data segments when `sparse`.
    func readWrite(from source: FileDescriptor, to destination: FileDescriptor, size: Int64, sparse: Bool) throws(Errno)
}

/// The real operations: FICLONE, `copy_file_range`, `pread`/`pwrite`, holes kept with SEEK_DATA/SEEK_HOLE.
public struct KernelFileData: FileDataOperations {
    /// Bytes per `copy_file_range` call and per read/write buffer.
    static let chunkSize = 8 << 20
    static let bufferSize = 1 << 20

    public init() {}

    public func reflink(from source: FileDescriptor, to destination: FileDescriptor) throws(Errno) {
        try DataCloning.reflink(from: source, to: destination)
    }

    public func copyRange(from source: FileDescriptor, to destination: FileDescriptor, size: Int64, sparse: Bool) throws(Errno) {
        try forEachDataSegment(of: source, size: size, sparse: sparse) { (start, end) throws(Errno) in
            var input = start
            var output = start
            while input < end {
                let copied = try DataCloning.copyRange(
                    from: source, offset: &input, to: destination, offset: &output,
                    length: Int(min(Int64(Self.chunkSize), end - input)))
                if copied == 0 { break }  // the source shrank while we copied
            }
        }
        if sparse { try destination.truncate(to: size) }
    }

    public func readWrite(from source: FileDescriptor, to destination: FileDescriptor, size: Int64, sparse: Bool) throws(Errno) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        try forEachDataSegment(of: source, size: size, sparse: sparse) { (start, end) throws(Errno) in
            var offset = start
            while offset < end {
                let wanted = UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(buffer.count), end - offset))])
                let count = try source.read(into: wanted, at: offset)
                if count == 0 { break }
                try destination.writeAll(UnsafeRawBufferPointer(rebasing: buffer[..<count]), at: offset)
                offset += Int64(count)
            }
        }
        if sparse { try destination.truncate(to: size) }
    }

    /// Calls `body` with each [start, end) range holding data: the whole file unless `sparse`.
    private func forEachDataSegment(
        of source: FileDescriptor, size: Int64, sparse: Bool,
        _ body: (Int64, Int64) throws(Errno) -> Void
    ) throws(Errno) {
        guard sparse else {
            try body(0, size)
            return
        }
        var offset: Int64 = 0
        while offset < size {
            guard let dataStart = try source.seek(toNext: false, from: offset) else { return }
            let holeStart = try source.seek(toNext: true, from: dataStart) ?? size
            try body(dataStart, min(holeStart, size))
            offset = holeStart
        }
    }
}
