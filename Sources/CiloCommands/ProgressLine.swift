import CiloCore
import CiloSystem
import Dispatch
import Synchronization

/// A live `files, bytes, rate` line on stderr, redrawn five times a second.
final class ProgressLine {
    private let timer: any DispatchSourceTimer
    private let started = DispatchTime.now()

    init(progress: CloneProgress) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "cilo.progress"))
        let start = started
        timer.setEventHandler {
            let seconds = max(0.001, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
            let bytes = progress.bytes
            let rate = ByteFormatting.iec(Int(Double(bytes) / seconds))
            HostFacts.writeToStandardError(
                "\r\u{1B}[K  \(ByteFormatting.grouped(progress.files)) files  \(ByteFormatting.iec(bytes))  \(rate)/s")
        }
        timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
        timer.resume()
    }

    /// Stops redrawing and clears the line.
    func stop() {
        timer.cancel()
        HostFacts.writeToStandardError("\r\u{1B}[K")
    }
}
