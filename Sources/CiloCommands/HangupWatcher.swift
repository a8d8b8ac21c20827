#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A command run for a caller at the other end of ssh without a terminal: sshd sends it no
/// signal when the connection goes (a terminal would send SIGHUP), so a stopped `cilo run
/// --engine` would leave it running there. This watches cilo's standard output and error (the
/// connection's pipes): once their reader is gone, `onHangup` runs, once.
final class HangupWatcher {
    private let thread: Thread

    init(descriptors: [Int32], onHangup: @escaping @Sendable () -> Void) {
        thread = Thread {
            var watched = descriptors.map { pollfd(fd: $0, events: 0, revents: 0) }
            while true {
                let ready = poll(&watched, nfds_t(watched.count), -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if watched.contains(where: { $0.revents & Int16(POLLERR | POLLHUP) != 0 }) {
                    onHangup()
                    return
                }
                if watched.contains(where: { $0.revents & Int16(POLLNVAL) != 0 }) { return }
            }
        }
        thread.name = "cilo.hangup"
        thread.start()
    }
}
