#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import Dispatch

/// While `cilo run --rm` waits for its command: Ctrl-C and Ctrl-\ reach the command from the
/// terminal (it is in cilo's process group) and do not end cilo, which still has to remove the
/// environment; SIGTERM and SIGHUP sent to cilo are passed on to the command.
final class ChildSignals {
    private let sources: [any DispatchSourceSignal]

    init(forwardingTo child: ChildProcess) {
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        let queue = DispatchQueue(label: "cilo.child-signals")
        sources = [SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { child.send(number) }
            source.resume()
            return source
        }
    }

    /// Stops passing signals on; SIGINT and SIGQUIT stay ignored until cilo ends.
    func stopForwarding() {
        for source in sources { source.cancel() }
    }
}
