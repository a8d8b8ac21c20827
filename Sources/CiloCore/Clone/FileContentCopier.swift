import CiloSystem
import SystemPackage
import Synchronization

/// Moves one file's data down the ladder reflink → copy-range → copy, remembering per
/// (source device, destination device) which methods the pair cannot do, so each pair
/// is probed once rather than every file paying for a failing call.
public final class FileContentCopier<Operations: FileDataOperations>: Sendable {
    /// A pair of devices and a method known not to work between them.
    struct Incapability: Hashable {
        var source: UInt64
        var destination: UInt64
        var method: CloneMethod
    }

    let operations: Operations
    let allowsFallback: Bool
    private let incapable = Mutex<Set<Incapability>>([])

    /// - Parameters:
    ///   - operations: the data operations (the kernel's, or a test double).
    ///   - allowsFallback: false for `--strategy reflink`, where a file that cannot be reflinked is an error.
    public init(operations: Operations, allowsFallback: Bool) {
        self.operations = operations
        self.allowsFallback = allowsFallback
    }

    /// Whether an errno means "this method cannot work here", so the next one should be tried.
    public static func meansUnsupported(_ errno: Errno) -> Bool {
        switch errno {
        case .improperLink, .notSupported, .invalidArgument, .noFunction, .inappropriateIOCTLForDevice:
            return true
        default:
            return false
        }
    }

    /// Whether an unsupported errno speaks for the whole device pair (EINVAL can be about one file).
    static func meansPairUnsupported(_ errno: Errno) -> Bool {
        meansUnsupported(errno) && errno != .invalidArgument
    }

    /// Copies `size` bytes of `source` into the empty `destination`, starting at `firstMethod`.
    /// - Returns: the method that did it.
    /// - Throws: the errno of a real failure (ENOSPC, EIO, …), or of an unsupported method
    ///   when no fallback is allowed or none is left.
    public func copy(
        from source: FileDescriptor, to destination: FileDescriptor,
        size: Int64, sparse: Bool,
        devices: (source: UInt64, destination: UInt64),
        firstMethod: CloneMethod
    ) throws(Errno) -> CloneMethod {
        var method = firstMethod
        if allowsFallback {
            // Skip what this device pair is known not to do, without copying the set per file.
            method = incapable.withLock { known in
                var usable = method
                while known.contains(Incapability(source: devices.source, destination: devices.destination, method: usable)),
                    let next = usable.next
                {
                    usable = next
                }
                return usable
            }
        }
        while true {
            do {
                switch method {
                case .reflink: try operations.reflink(from: source, to: destination)
                case .copyRange: try operations.copyRange(from: source, to: destination, size: size, sparse: sparse)
                case .copy: try operations.readWrite(from: source, to: destination, size: size, sparse: sparse)
                }
                return method
            } catch {
                guard Self.meansUnsupported(error), allowsFallback, let next = method.next else { throw error }
                if Self.meansPairUnsupported(error) {
                    let failed = Incapability(source: devices.source, destination: devices.destination, method: method)
                    incapable.withLock { _ = $0.insert(failed) }
                }
                method = next
            }
        }
    }
}
