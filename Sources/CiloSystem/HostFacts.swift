#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// Small facts about the running process and host read through system calls.
public enum HostFacts {
    /// CPUs this process may run on (its affinity mask), at least 1.
    public static var affinityCPUCount: Int {
        let count = csupport_affinity_cpu_count()
        return count > 0 ? Int(count) : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// The effective user ID.
    public static var effectiveUserID: UInt32 { geteuid() }

    /// The effective group ID.
    public static var effectiveGroupID: UInt32 { getegid() }

    /// The process's file-mode creation mask, read without changing it for longer than one call.
    public static var fileCreationMask: UInt32 {
        let mask = umask(0o022)
        umask(mask)
        return UInt32(mask)
    }

    /// The path of the running binary (`/proc/self/exe`).
    ///
    /// The corresponding C function is `readlink`.
    public static func ownExecutable() throws(Errno) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = try SystemCall.run { readlink("/proc/self/exe", &buffer, buffer.count - 1) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads a small file (a /proc or /sys entry, a config) whole; nil when it cannot be read.
    public static func readSmallFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            result.append(contentsOf: chunk[..<count])
        }
        return result
    }

    /// Raises the soft limit on open descriptors to the hard limit; returns the new soft limit.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(clamping: raised.rlim_cur) }
        }
        return Int(clamping: limit.rlim_cur)
    }
}

extension HostFacts {
    /// The value of environment variable `name`, if set.
    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// For a cilo an engine started with its own Swift runtime (`LD_LIBRARY_PATH` pointing at
    /// it, the caller's value kept in `CILO_OUTER_LD_LIBRARY_PATH`): puts the caller's value back,
    /// so the commands it starts never load that runtime. The loader has read it already.
    ///
    /// The corresponding C functions are `setenv` and `unsetenv`.
    public static func restoreOuterLibraryPath() {
        guard let outer = environment("CILO_OUTER_LD_LIBRARY_PATH") else { return }
        if outer.isEmpty { unsetenv("LD_LIBRARY_PATH") } else { setenv("LD_LIBRARY_PATH", outer, 1) }
        unsetenv("CILO_OUTER_LD_LIBRARY_PATH")
    }

    /// Whether an executable named `name` is in one of `$PATH`'s folders.
    public static func executableOnPath(_ name: String) -> Bool {
        pathOfExecutable(name) != nil
    }

    /// The first executable `name` in the directories of `PATH`, nil when there is none.
    ///
    /// The corresponding C function is `access(X_OK)`.
    public static func pathOfExecutable(_ name: String) -> String? {
        let directories = (environment("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Whether descriptor `fd` is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Writes `text` to standard error unbuffered (progress lines, messages).
    public static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

extension HostFacts {
    /// Flushes the file system holding `path` (so `statfs` sees what was just written).
    ///
    /// The corresponding C function is `syncfs`.
    public static func syncFileSystem(_ path: [UInt8]) {
        guard let fd = try? PathOpening.openDirectory(path) else { return }
        defer { fd.closeIgnoringErrors() }
        _ = csupport_syncfs(fd.rawValue)
    }
}
