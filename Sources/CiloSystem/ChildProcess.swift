#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// A command run as a child of cilo (`cilo run --rm`, which has work left after the command):
/// it shares cilo's terminal, standard streams and process group, so a Ctrl-C reaches it as it
/// would the command run alone, and its exit status is passed on by the caller.
public struct ChildProcess: Sendable {
    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    public let pid: Int32

    /// Ends this process as the child ended: the same exit code, or killed by the same signal
    /// (its default disposition restored first; 128 + the signal if that does not end it).
    public static func end(like termination: Termination) -> Never {
        switch termination {
        case .exited(let code):
            exit(code)
        case .signalled(let number):
            signal(number, SIG_DFL)
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, number)
            sigprocmask(SIG_UNBLOCK, &set, nil)
            kill(getpid(), number)
            exit(128 + number)
        }
    }

    /// Starts `command` (looked up on PATH) with `arguments` and exactly `environment` in
    /// `workingDirectory`, every signal at its default disposition.
    ///
    /// The corresponding C function is `posix_spawnp`.
    public static func spawn(
        _ command: String, arguments: [String], environment: [String: String], workingDirectory: String?
    ) throws(Errno) -> ChildProcess {
        var pid: Int32 = 0
        let result = CommandVector.with(command: command, arguments: arguments, environment: environment) { argv, envp in
            csupport_spawn(command, argv, envp, workingDirectory, &pid)
        }
        guard result == 0 else { throw Errno(rawValue: result) }
        return ChildProcess(pid: pid)
    }

    /// Blocks until the child ends (call it off Swift's cooperative pool).
    ///
    /// The corresponding C function is `waitpid`.
    public func waitForTermination() throws(Errno) -> Termination {
        var status: Int32 = 0
        _ = try SystemCall.run { waitpid(pid, &status, 0) }
        let signal = csupport_wait_status_signal(status)
        return signal != 0 ? .signalled(signal) : .exited(csupport_wait_status_exit_code(status))
    }

    /// Sends `signal` to the child; one that already ended is not an error.
    public func send(_ signal: Int32) {
        _ = kill(pid, signal)
    }

    /// Sends `signal` to every process of the group `leader` leads; a group that is gone is not
    /// an error.
    public static func signalGroup(_ leader: Int32, _ signal: Int32) {
        guard leader > 0 else { return }
        _ = kill(-leader, signal)
    }
}

/// NUL-terminated argv and envp arrays for `exec` and `spawn`, freed afterwards.
enum CommandVector {
    static func with<Result>(
        command: String, arguments: [String], environment: [String: String],
        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?, UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Result
    ) -> Result {
        let argv = ([command] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        let argvNull: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        let envpNull: [UnsafeMutablePointer<CChar>?] = envp + [nil]
        return argvNull.withUnsafeBufferPointer { argvBuffer in
            envpNull.withUnsafeBufferPointer { envpBuffer in body(argvBuffer.baseAddress, envpBuffer.baseAddress) }
        }
    }
}
