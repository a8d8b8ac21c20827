#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// Extended attributes of an open file.
extension FileDescriptor {
    /// The names of the file's extended attributes, each as raw bytes.
    ///
    /// The corresponding C function is `flistxattr`.
    public func extendedAttributeNames() throws(Errno) -> [[UInt8]] {
        let size = try SystemCall.run { csupport_flistxattr(rawValue, nil, 0) }
        if size == 0 { return [] }
        var buffer = [UInt8](repeating: 0, count: size)
        let length = try SystemCall.run {
            buffer.withUnsafeMutableBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { csupport_flistxattr(rawValue, $0.baseAddress, size) }
            }
        }
        return buffer[..<length].split(separator: 0).map { Array($0) }
    }

    /// The value of extended attribute `name`.
    ///
    /// The corresponding C function is `fgetxattr`.
    public func extendedAttribute(_ name: [UInt8]) throws(Errno) -> [UInt8] {
        let cName = name + [0]
        return try cName.withUnsafeBufferPointer { (namePointer) throws(Errno) -> [UInt8] in
            let nameChars = UnsafeRawPointer(namePointer.baseAddress.unsafelyUnwrapped).assumingMemoryBound(to: CChar.self)
            let size = try SystemCall.run { csupport_fgetxattr(rawValue, nameChars, nil, 0) }
            var value = [UInt8](repeating: 0, count: size)
            let length = try SystemCall.run {
                value.withUnsafeMutableBytes { csupport_fgetxattr(rawValue, nameChars, $0.baseAddress, size) }
            }
            return Array(value[..<length])
        }
    }

    /// Sets extended attribute `name` to `value`.
    ///
    /// The corresponding C function is `fsetxattr`.
    public func setExtendedAttribute(_ name: [UInt8], value: [UInt8]) throws(Errno) {
        let cName = name + [0]
        try SystemCall.check {
            cName.withUnsafeBufferPointer { namePointer in
                namePointer.withMemoryRebound(to: CChar.self) { nameChars in
                    value.withUnsafeBytes { csupport_fsetxattr(rawValue, nameChars.baseAddress, $0.baseAddress, $0.count) }
                }
            }
        }
    }
}
