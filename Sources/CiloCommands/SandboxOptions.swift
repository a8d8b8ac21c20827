import ArgumentParser
import CiloCore
import CiloSystem
import Foundation
import SystemPackage

extension SandboxSettings.Network: ExpressibleByArgument {}

/// `cilo run --sandbox`, `--sandbox-network`, `--allow-docker`, `--no-sandbox`.
struct SandboxOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Confine the command to its workspace and environment: capabilities, seccomp, Landlock, namespaces (default: sandbox: in .cilo/config.yml).")
    var sandbox: Bool?

    @Option(help: "With --sandbox: env (the environment's own network, its services by name), none (loopback only) or host.")
    var sandboxNetwork: SandboxSettings.Network?

    @Flag(help: "With --sandbox: leave the Docker socket reachable (it is root on the host).")
    var allowDocker = false

    @Option(
        name: .customLong("keep-fds"), parsing: .singleValue,
        help: ArgumentHelp("With --sandbox: a descriptor above 2 the command keeps (repeatable, or comma-separated); every other one is closed.", valueName: "fd"))
    var keptDescriptorLists: [String] = []

    /// The descriptors `--keep-fds` names. - Throws: one line for a word that is not a descriptor
    /// above 2, or one that is not open.
    func keptDescriptors() throws(CiloError) -> [Int32] {
        var descriptors: [Int32] = []
        for word in keptDescriptorLists.flatMap({ $0.split(separator: ",") }) {
            guard let descriptor = Int32(word.trimmingCharacters(in: .whitespaces)), descriptor > 2 else {
                throw CiloError(.invalidArgument, "--keep-fds takes descriptor numbers above 2: '\(word)' is not one")
            }
            guard Confinement.isOpen(descriptor) else { throw CiloError(.invalidArgument, "--keep-fds \(descriptor): that descriptor is not open") }
            descriptors.append(descriptor)
        }
        return descriptors
    }

    func validate() throws {
        if sandbox == false && !keptDescriptorLists.isEmpty {
            throw ValidationError("--keep-fds is for --sandbox (without it the command keeps every descriptor)")
        }
        if sandbox == false && (sandboxNetwork != nil || allowDocker) {
            throw ValidationError("--no-sandbox with --sandbox-network or --allow-docker: choose one")
        }
    }

    /// The confinement asked for: the flags, else the project's `sandbox:`; nil for none.
    func settings(_ config: ProjectConfig) -> SandboxSettings? {
        let wanted = sandbox ?? (sandboxNetwork != nil || allowDocker || config.sandbox)
        guard wanted else { return nil }
        return SandboxSettings(network: sandboxNetwork ?? .env, allowsDocker: allowDocker)
    }

    /// The one-line error for a confinement that could not be set up (nothing was run).
    static func failure(_ failure: Confinement.Failure, command: String) -> CiloError {
        if failure.step == "starting the command" && failure.errno == .noSuchFileOrDirectory {
            return CiloError(.commandNotFound, "command not found: \(command)")
        }
        return CiloError(.failed, "cannot confine \(command): \(failure.step) failed (\(failure.errno)); nothing was run")
    }
}
