internal import CSupport
import SystemPackage

/// Reads a directory's entries in large batches with `getdents64`, names as raw bytes.
public struct DirectoryReader: ~Copyable {
    /// An entry's type as `d_type` gives it (`DT_UNKNOWN` on some file systems).
    public typealias EntryType = UInt8

    private let directory: FileDescriptor
    private let buffer: UnsafeMutableRawBufferPointer

    /// Prepares to read the open directory `directory` (not closed by the reader).
    public init(directory: FileDescriptor, bufferSize: Int = 64 * 1024) {
        self.directory = directory
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` for every entry except `.` and `..`, in the order the kernel returns them,
    /// until `body` returns false.
    ///
    /// The corresponding C function is `getdents64`.
    public func forEachEntry(_ body: (FileName, EntryType) -> Bool) throws(Errno) {
        while true {
            let length = try SystemCall.run {
                csupport_getdents64(directory.rawValue, buffer.baseAddress, buffer.count)
            }
            if length == 0 { return }
            var offset = 0
            while offset < length {
                let recordLength = Int(buffer.load(fromByteOffset: offset + 16, as: UInt16.self))
                let type = buffer.load(fromByteOffset: offset + 18, as: UInt8.self)
                let nameStart = offset + 19
                var nameEnd = nameStart
                while nameEnd < offset + recordLength && buffer[nameEnd] != 0 { nameEnd += 1 }
                let name = FileName(bytes: UnsafeRawBufferPointer(rebasing: buffer[nameStart..<nameEnd]))
                if !name.isDotOrDotDot && !body(name, type) { return }
                offset += recordLength
            }
        }
    }

    /// `d_type` of a directory.
    public static let directoryType: EntryType = 4
    /// `d_type` of a regular file.
    public static let regularType: EntryType = 8
}
