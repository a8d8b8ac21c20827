internal import CSupport
import SystemPackage

/// Whole-file cloning and in-kernel copying between two open descriptors.
public enum DataCloning {
    /// Makes `destination` share all of `source`'s extents (a reflink).
    ///
    /// The corresponding C call is `ioctl(destination, FICLONE, source)`.
    public static func reflink(from source: FileDescriptor, to destination: FileDescriptor) throws(Errno) {
        try SystemCall.check { csupport_ficlone(destination.rawValue, source.rawValue) }
    }

    /// Copies up to `length` bytes from `sourceOffset` to `destinationOffset` in the kernel.
    /// Advances both offsets and returns the number of bytes copied; 0 means end of file.
    ///
    /// The corresponding C function is `copy_file_range`.
    public static func copyRange(
        from source: FileDescriptor, offset sourceOffset: inout Int64,
        to destination: FileDescriptor, offset destinationOffset: inout Int64,
        length: Int
    ) throws(Errno) -> Int {
        var input = sourceOffset
        var output = destinationOffset
        let copied = try SystemCall.run {
            csupport_copy_file_range(source.rawValue, &input, destination.rawValue, &output, length)
        }
        sourceOffset = input
        destinationOffset = output
        return copied
    }
}
