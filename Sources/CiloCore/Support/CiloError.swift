import CiloSystem
import SystemPackage

/// The one error type of cilo's core: what went wrong, where, and why.
///
/// `description` is the single line the CLI prints; `detailedDescription` adds the
/// cause tree for `--verbose`.
public struct CiloError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; callers switch on it, people read `message`.
    public enum Code: String, Sendable {
        case invalidArgument = "invalid argument"
        case notFound = "not found"
        case alreadyExists = "already exists"
        case permissionDenied = "permission denied"
        case unsupported = "unsupported"
        case noSpace = "no space left"
        case io = "i/o error"
        case cancelled = "cancelled"
        /// The machine holds no more now (admission): try again later or wait (exit 75, EX_TEMPFAIL).
        case busy = "busy"
        case commandNotFound = "command not found"
        /// The workspace asked for more than the source allows (`HostPower`); nothing was changed.
        case refused = "refused"
        /// The Docker objects belong to another cilo home: never stopped or removed from this one.
        case anotherHome = "another cilo home"
        case failed = "failed"
        /// A state file that cannot be read.
        case damaged = "damaged state"
    }

    public var code: Code
    public var message: String
    /// The file the failure is about, for display (bytes already escaped).
    public var path: String?
    public var cause: (any Error & Sendable)?
    /// What happened afterwards or what to do, appended after the cause (e.g. the clean-up done).
    public var note: String?

    public init(_ code: Code, _ message: String, path: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.cause = cause
    }

    /// An error for a failed system call on `path`, its code derived from the errno.
    public static func system(_ errno: Errno, _ action: String, path: String?) -> CiloError {
        CiloError(code(for: errno), action, path: path, cause: errno)
    }

    /// The code that best names a failed system call's errno.
    public static func code(for errno: Errno) -> Code {
        switch errno {
        case .noSuchFileOrDirectory: return .notFound
        case .fileExists, .directoryNotEmpty: return .alreadyExists
        case .permissionDenied, .notPermitted, .readOnlyFileSystem: return .permissionDenied
        case .noSpace, .diskQuotaExceeded: return .noSpace
        case .ioError: return .io
        case .notSupported, .notSupportedOnSocket, .improperLink: return .unsupported
        case .interrupted, .canceled: return .cancelled
        default: return .failed
        }
    }

    /// One line: `message: path: cause`.
    public var description: String {
        var line = message
        if let path { line += ": " + path }
        if let cause { line += ": " + Self.describe(cause) }
        if let note { line += "; " + note }
        return line
    }

    /// The message and the chain of causes, one per line.
    public var detailedDescription: String {
        var lines = ["\(message) [\(code.rawValue)]"]
        if let path { lines.append("├─ path: \(path)") }
        var next: (any Error)? = cause
        while let current = next {
            if let inner = current as? CiloError {
                lines.append("└─ cause: \(inner.message) [\(inner.code.rawValue)]" + (inner.path.map { " at \($0)" } ?? ""))
                next = inner.cause
            } else {
                lines.append("└─ cause: \(Self.describe(current))")
                next = nil
            }
        }
        if let note { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ error: any Error) -> String {
        if let errno = error as? Errno { return "\(errno) (errno \(errno.rawValue))" }
        return String(describing: error)
    }
}
