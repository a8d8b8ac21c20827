#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// One UDP request and its answer on 127.0.0.1: how cilo asks its own DNS server.
/// Only the loopback address is ever used.
public enum LoopbackUDP {
    /// Sends `request` to 127.0.0.1:`port` and returns the first datagram that comes back,
    /// or throws `EAGAIN` when none arrives within `timeoutMilliseconds`.
    ///
    /// The corresponding C functions are `socket`, `setsockopt(SO_RCVTIMEO)`, `sendto`, `recv`.
    public static func exchange(port: UInt16, request: [UInt8], timeoutMilliseconds: Int = 500) throws(Errno) -> [UInt8] {
        let fd = try SystemCall.run { socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        defer { _ = close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        try SystemCall.check { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let sent = request.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if sent < 0 { throw SystemCall.currentErrno }
        var answer = [UInt8](repeating: 0, count: 4096)
        let count = try SystemCall.run { answer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
        return Array(answer[..<count])
    }

    /// Whether something already holds UDP port `port` on 127.0.0.1 (a bind fails with EADDRINUSE).
    public static func isPortInUse(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { _ = close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result != 0 && errno == EADDRINUSE
    }
}
