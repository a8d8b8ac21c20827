#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Helpers shared by every wrapper in CiloSystem: reading `errno` and retrying on EINTR.
enum SystemCall {
    /// The calling thread's current `errno` as an `Errno`.
    @inline(__always)
    static var currentErrno: Errno { Errno(rawValue: errno) }

    /// Runs `call` until it does not fail with EINTR (when `retryOnInterrupt`), mapping -1 to the thread's errno.
    @inline(__always)
    static func run<Result: FixedWidthInteger>(
        retryOnInterrupt: Bool = true,
        _ call: () -> Result
    ) throws(Errno) -> Result {
        while true {
            let result = call()
            if result != -1 { return result }
            let error = currentErrno
            if error == .interrupted && retryOnInterrupt { continue }
            throw error
        }
    }

    /// Like `run`, for calls whose only success value is 0.
    @inline(__always)
    static func check(retryOnInterrupt: Bool = true, _ call: () -> CInt) throws(Errno) {
        _ = try run(retryOnInterrupt: retryOnInterrupt, call)
    }
}
