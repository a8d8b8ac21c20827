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
        let argv = ([command] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        let argvNull: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        let envpNull: [UnsafeMutablePointer<CChar>?] = envp + [nil]
        _ = argvNull.withUnsafeBufferPointer { argvBuffer in
            envpNull.withUnsafeBufferPointer { envpBuffer in
                csupport_execvpe(command, argvBuffer.baseAddress, envpBuffer.baseAddress)
            }
        }
        throw SystemCall.currentErrno
    }
}
