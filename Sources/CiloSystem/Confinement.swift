#if canImport(Glibc)
import Glibc
#endif
internal import CSupport
import SystemPackage

/// What `cilo run --sandbox` takes from a command before it starts: a mount namespace of its own
/// (the Docker socket covered, a private /dev/shm, the environment's hosts file), a
/// network namespace, no_new_privs, Landlock (read and execute everywhere, write only where
/// `writable` says), every capability and a seccomp filter. Children inherit all of it.
public struct Confinement: Sendable {
    /// Folders written beneath: the workspace, the private temporary folder.
    public var writable: [[UInt8]] = []
    /// Devices read and written: the terminal, `/dev/null`.
    public var devices: [[UInt8]] = []
    /// Files covered by `/dev/null` (Docker's and containerd's sockets).
    public var hiddenFiles: [[UInt8]] = []
    /// Folders covered by an empty tmpfs (the container runtime's state).
    public var hiddenFolders: [[UInt8]] = []
    public var hostsFile: [UInt8]?
    public var resolverFile: [UInt8]?
    /// A network namespace to join (the environment's); nil with `isolatesNetwork` for loopback only.
    public var networkNamespace: [UInt8]?
    public var isolatesNetwork = false
    /// Not root: a user namespace mapping the user to itself, for the mounts.
    public var usesUserNamespace = false
    public var landlockABI: Int
    /// Descriptors above 2 the command keeps (`--keep-fds`); every other one closes at exec, so
    /// a file the caller left open cannot carry its rights past Landlock.
    public var keptDescriptors: [Int32] = []

    /// A step of the confinement that failed, and why.
    public struct Failure: Error, Sendable {
        public var step: String
        public var errno: Errno
    }

    public init(landlockABI: Int) {
        self.landlockABI = landlockABI
    }

    /// The highest Landlock ABI of this kernel; nil where it has none (or it is disabled).
    public static var landlockABI: Int? {
        let abi = csupport_landlock_abi()
        return abi >= 1 ? Int(abi) : nil
    }

    /// Whether `descriptor` is open in this process.
    public static func isOpen(_ descriptor: Int32) -> Bool {
        fcntl(descriptor, F_GETFD) >= 0
    }

    /// Confines this process, then replaces it with `command` in `workingDirectory` (`cilo run`).
    public func exec(
        _ command: String, arguments: [String], environment: [String: String], workingDirectory: String?
    ) throws(Failure) -> Never {
        if let workingDirectory, chdir(workingDirectory) != 0 { throw Failure(step: "its working folder", errno: SystemCall.currentErrno) }
        let filter = try Self.buildFilter()
        let failedStep: String? = withCStructure { confinement in
            var step: UnsafePointer<CChar>?
            guard csupport_confine(&confinement, filter, &step) == 0 else { return step.map { String(cString: $0) } ?? "confinement" }
            _ = CommandVector.with(command: command, arguments: arguments, environment: environment) { argv, envp in
                csupport_execvpe(command, argv, envp)
            }
            return "starting the command"
        }
        throw Failure(step: failedStep ?? "starting the command", errno: SystemCall.currentErrno)
    }

    /// Starts `command` as a confined child (`cilo run --rm --sandbox`), every signal at its default.
    public func spawn(
        _ command: String, arguments: [String], environment: [String: String], workingDirectory: String?
    ) throws(Failure) -> ChildProcess {
        let filter = try Self.buildFilter()
        defer { csupport_seccomp_filter_free(filter) }
        var pid: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let result = withCStructure { confinement in
            CommandVector.with(command: command, arguments: arguments, environment: environment) { argv, envp in
                message.withUnsafeMutableBufferPointer { buffer in
                    csupport_spawn_confined(command, argv, envp, workingDirectory, &confinement, filter, &pid, buffer.baseAddress, buffer.count)
                }
            }
        }
        guard result == 0 else {
            let step = message.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { String(cString: $0) } ?? "" }
            throw Failure(step: step.isEmpty ? "starting the command" : step, errno: Errno(rawValue: result))
        }
        return ChildProcess(pid: pid)
    }

    private static func buildFilter() throws(Failure) -> UnsafeMutablePointer<csupport_seccomp_filter> {
        guard let filter = csupport_seccomp_filter_build() else {
            throw Failure(step: "building the seccomp filter", errno: SystemCall.currentErrno)
        }
        return filter
    }

    /// The C structure over NUL-terminated copies of every path, valid during `body`.
    private func withCStructure<Result>(_ body: (inout csupport_confinement) -> Result) -> Result {
        var copies: [UnsafeMutablePointer<CChar>] = []
        defer { for copy in copies { copy.deallocate() } }
        func copy(_ bytes: [UInt8]) -> UnsafePointer<CChar> {
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
            pointer[bytes.count] = 0
            copies.append(pointer)
            return UnsafePointer(pointer)
        }
        let lists = [writable, devices, hiddenFiles, hiddenFolders].map { $0.map { Optional(copy($0)) } }
        let hostsFile = self.hostsFile.map(copy)
        let resolverFile = self.resolverFile.map(copy), networkNamespace = self.networkNamespace.map(copy)
        let kept = Array(Set(keptDescriptors.filter { $0 > 2 })).sorted()
        return kept.withUnsafeBufferPointer { kept in lists[0].withUnsafeBufferPointer { writable in
            lists[1].withUnsafeBufferPointer { devices in
                lists[2].withUnsafeBufferPointer { hidden in
                    lists[3].withUnsafeBufferPointer { hiddenFolders in
                        var structure = csupport_confinement(
                            writable: writable.baseAddress, writable_count: writable.count,
                            devices: devices.baseAddress, device_count: devices.count,
                            hidden: hidden.baseAddress, hidden_count: hidden.count,
                            hidden_folders: hiddenFolders.baseAddress, hidden_folder_count: hiddenFolders.count,
                            hosts_file: hostsFile, resolv_file: resolverFile,
                            network_namespace: networkNamespace, isolate_network: isolatesNetwork ? 1 : 0,
                            needs_mount_namespace: 1, user_namespace: usesUserNamespace ? 1 : 0,
                            user_id: getuid(), group_id: getgid(), landlock_abi: Int32(landlockABI),
                            kept_descriptors: kept.baseAddress, kept_descriptor_count: kept.count)
                        return body(&structure)
                    }
                }
            }
        } }
    }
}
