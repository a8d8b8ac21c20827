import Foundation
import Synchronization

/// Runs a program and sends it SIGINT (a terminal's Ctrl-C) once something observable has
/// happened: a line on its standard error, or a condition on the world (a folder made, a
/// container started). Never a timed guess: the signal lands during the step being tested.
enum Interrupter {
    /// What the program said on standard error so far, filled by a reader thread.
    final class StandardError: Sendable {
        private let text = Mutex("")
        private let finished = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
                finished.signal()
            }
        }

        var soFar: String { text.withLock { $0 } }

        func wait() -> String {
            finished.wait()
            return soFar
        }
    }

    /// Runs `arguments`, waits (at most `deadline` seconds, polling every 10 ms) until `ready`
    /// holds for what it said on standard error so far, sends SIGINT, and returns how it ended.
    /// - Throws: when `ready` never held (the program ended first, or the deadline passed).
    static func run(
        _ arguments: [String], environment: [String: String], directory: String, deadline: Double = 120,
        when ready: (String) -> Bool
    ) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let standardError = StandardError(err.fileHandleForReading)
        let outReader = PipeReader(out.fileHandleForReading)
        let limit = Date().addingTimeInterval(deadline)
        var signalled = false
        while process.isRunning && Date() < limit {
            if ready(standardError.soFar) {
                kill(process.processIdentifier, SIGINT)
                signalled = true
                break
            }
            usleep(10_000)
        }
        if !signalled && process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let outData = outReader.wait()
        let said = standardError.wait()
        process.waitUntilExit()
        guard signalled else {
            throw InterruptError(message: "the moment to interrupt never came (exit \(process.terminationStatus)): \(said)")
        }
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), said)
    }

    struct InterruptError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
