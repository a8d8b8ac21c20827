internal import CSupport

/// What the running process may do, from libcap, and the libseccomp it links.
public enum ProcessCapabilities {
    /// Whether the process may give files any owner (`CAP_CHOWN` effective).
    public static var canChangeOwnership: Bool { csupport_has_effective_capability(csupport_CAP_CHOWN) == 1 }

    /// Whether the process may act on files it does not own (`CAP_FOWNER` effective).
    public static var canActAsAnyOwner: Bool { csupport_has_effective_capability(csupport_CAP_FOWNER) == 1 }

    /// Whether the process has `CAP_SYS_ADMIN` (mounting, deleting subvolumes of others).
    public static var isAdministrator: Bool { csupport_has_effective_capability(csupport_CAP_SYS_ADMIN) == 1 }

    /// The libseccomp version as "major.minor.micro", or nil when it cannot be read.
    public static var seccompVersion: String? {
        let packed = csupport_seccomp_version()
        guard packed >= 0 else { return nil }
        return "\(packed / 10000).\(packed / 100 % 100).\(packed % 100)"
    }
}
