#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// Becoming another program: how `cilo run`, `exec`, `logs` and `compose` hand the
/// terminal, stdin/stdout/stderr, signals and the exit status to the command itself.
public enum ProcessReplacement {
    /// Changes to `workingDirectory` and replaces this process with `command` (looked up on
    /// PATH) run with `arguments` and exactly `environment`. Returns only by throwing.
    ///
    /// The corresponding C functions are `chdir` and `execvpe`.
    public static func exec(
        _ command: String, arguments: [String], environment: [String: String], workingDirectory: String?
    ) throws(Errno) -> Never {
        if let workingDirectory {
            try SystemCall.check { chdir(workingDirectory) }
        }
        _ = CommandVector.with(command: command, arguments: arguments, environment: environment) { argv, envp in
            csupport_execvpe(command, argv, envp)
        }
        throw SystemCall.currentErrno
    }
}
