import CiloSystem
import Foundation
import SystemPackage

/// What cilo does on an engine over ssh: ask what it runs, put cilo's binary there, sync a
/// project's source, and run cilo there (captured, or as the process itself).
///
/// The engine needs Docker, Compose and sshd (and uses rsync when it has it): cilo's own
/// binary (same architecture) is copied to `<home>/bin/cilo` whenever it is missing or another
/// build, so every command runs there as it does here, against `CILO_HOME=<home>/home`, in
/// `<home>/sources/<project>`.
public struct RemoteEngine: Sendable {
    public let engine: Engine

    public init(engine: Engine) {
        self.engine = engine
    }

    /// What the engine runs (`cilo engines list`, and the checks before it is used).
    public struct Facts: Codable, Sendable, Equatable {
        public var architecture: String
        public var docker: String?
        public var compose: String?
        /// The build of cilo in its home (nil: none yet).
        public var ciloBuild: String?
        /// The build of Swift's runtime put beside it (nil: none).
        public var runtimeBuild: String?
        public var hasRsync: Bool
    }

    /// One ssh call: architecture, Docker's and Compose's versions, the cilo build there.
    /// An engine that cannot be reached, refuses the key, or lacks Docker or Compose is one
    /// line naming the engine and the cause.
    public func facts() async throws(CiloError) -> Facts {
        let script = """
            printf 'arch=%s\\n' "$(uname -m)"
            printf 'docker=%s\\n' "$(docker version --format '{{.Server.Version}}' 2>/dev/null)"
            printf 'compose=%s\\n' "$( (docker compose version --short || docker-compose version --short) 2>/dev/null | head -n 1)"
            printf 'cilo=%s\\n' "$(cat \(engine.homeWord)/bin/cilo.build 2>/dev/null)"
            printf 'runtime=%s\\n' "$(cat \(engine.homeWord)/lib/runtime.build 2>/dev/null)"
            printf 'rsync=%s\\n' "$(rsync --version >/dev/null 2>&1 && echo yes)"
            """
        let result = try await ssh(script)
        var fields: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        guard let architecture = fields["arch"], !architecture.isEmpty else {
            throw CiloError(.failed, "engine \(engine.name): it did not say what it runs: \(result.tail(2))")
        }
        return Facts(
            architecture: architecture, docker: fields["docker"].flatMap { $0.isEmpty ? nil : $0 },
            compose: fields["compose"].flatMap { $0.isEmpty ? nil : $0 }, ciloBuild: fields["cilo"].flatMap { $0.isEmpty ? nil : $0 },
            runtimeBuild: fields["runtime"].flatMap { $0.isEmpty ? nil : $0 }, hasRsync: !(fields["rsync"] ?? "").isEmpty)
    }

    /// Checks the engine can hold environments (Docker, Compose, this architecture) and
    /// puts this build of cilo there when it is missing or another one. - Returns: its facts.
    @discardableResult
    public func prepare() async throws(CiloError) -> Facts {
        let facts = try await facts()
        guard facts.docker != nil else { throw CiloError(.failed, "engine \(engine.name): no Docker engine answers there (docker version failed)") }
        guard facts.compose != nil else { throw CiloError(.failed, "engine \(engine.name): Compose is not installed there (docker compose or docker-compose)") }
        guard facts.architecture == Self.localArchitecture else {
            throw CiloError(.failed, "engine \(engine.name) is \(facts.architecture), this cilo is built for \(Self.localArchitecture): it cannot run there")
        }
        let build = try Self.localBuild()
        if facts.ciloBuild != build {
            if let runtime = try await Self.swiftRuntime(), runtime.build != facts.runtimeBuild { try await installRuntime(runtime) }
            try await install(build: build)
        }
        return facts
    }

    /// The architecture this cilo was built for, as `uname -m` says it.
    static var localArchitecture: String {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "aarch64"
        #else
        return "unknown"
        #endif
    }

    /// This binary's build: its size and modification time (any rebuild changes them).
    static func localBuild() throws(CiloError) -> String {
        do throws(Errno) {
            let status = try PathOpening.status(Array("/proc/self/exe".utf8))
            return "\(status.size)-\(status.modificationTime.seconds).\(status.modificationTime.nanoseconds)"
        } catch {
            throw .system(error, "cannot read cilo's own binary", path: "/proc/self/exe")
        }
    }

    /// Sends this binary to `<home>/bin/cilo` (written beside it, then renamed: a cilo running
    /// there keeps its file), makes the engine's folders, and checks it runs there (when it does
    /// not, what cilo put there goes again).
    private func install(build: String) async throws(CiloError) {
        let binary: FileDescriptor
        do throws(Errno) { binary = try PathOpening.open(Array("/proc/self/exe".utf8), flags: O_RDONLY | O_CLOEXEC) } catch {
            throw .system(error, "cannot read cilo's own binary", path: "/proc/self/exe")
        }
        defer { binary.closeIgnoringErrors() }
        let home = engine.homeWord
        // A temporary name of this upload's own: two cilo putting it there at once never mix their bytes.
        let script = "set -e; umask 022; mkdir -p \(home)/bin \(home)/home \(home)/sources; new=\(home)/bin/.cilo.new.$$; cat > \"$new\"; "
            + "chmod 755 \"$new\"; mv -f \"$new\" \(home)/bin/cilo; \(Self.libraryPath(home)) \(home)/bin/cilo --version >/dev/null 2>&1 || { echo 'cilo-does-not-run' >&2; \(Self.libraryPath(home)) \(home)/bin/cilo --version || true; "
            + "rm -rf \(home)/bin/cilo \(home)/bin/cilo.build \(home)/lib; exit 3; }; "
            + "printf %s \(Engine.quoted(build)) > \(home)/bin/cilo.build.$$; mv -f \(home)/bin/cilo.build.$$ \(home)/bin/cilo.build"
        let arguments = engine.sshArguments(script)
        let result = try await ToolRunner.run(arguments[0], Array(arguments.dropFirst()), input: binary)
        if result.error.contains("cilo-does-not-run") {
            throw CiloError(.failed, "engine \(engine.name): cilo's binary does not run there, Swift's runtime beside it (\(result.tail(1))): "
                + "it needs libc (as new as this machine's), libstdc++, libcap2 and libseccomp2 there")
        }
        guard result.succeeded else { throw failure(result, doing: "putting cilo there") }
    }

    /// The shell command line that runs cilo there with `arguments`, in the project's synced
    /// source (or the engine's home when `project` is nil).
    /// `CILO_VIA_SSH=1` tells it the caller is at the other end of ssh: a command it runs without
    /// a terminal is hung up (SIGHUP) when the connection goes, as a terminal's would be.
    public func ciloCommandLine(_ arguments: [String], project: String?) -> String {
        let home = engine.homeWord
        let folder = project.map { "\(home)/sources/\(Engine.quoted($0))" } ?? home
        return "cd \(folder) && CILO_HOME=\(home)/home CILO_VIA_SSH=1 \(Self.libraryPath(home)) exec \(home)/bin/cilo "
            + arguments.map(Engine.quoted).joined(separator: " ")
    }

    /// The variables that give the engine's cilo Swift's runtime in `<home>/lib` (when there is
    /// one), the caller's `LD_LIBRARY_PATH` kept for what cilo starts (`HostFacts.restoreOuterLibraryPath`).
    private static func libraryPath(_ home: String) -> String {
        "CILO_OUTER_LD_LIBRARY_PATH=\"${LD_LIBRARY_PATH-}\" LD_LIBRARY_PATH=\(home)/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    }

    /// Runs cilo there and collects what it printed.
    public func cilo(_ arguments: [String], project: String?) async throws(CiloError) -> ToolResult {
        try await ssh(ciloCommandLine(arguments, project: project))
    }

    /// Runs `script` there with the engine's shell; an ssh failure (exit 255) is an error naming the cause.
    func ssh(_ script: String) async throws(CiloError) -> ToolResult {
        let arguments = engine.sshArguments(script)
        let result = try await ToolRunner.run(arguments[0], Array(arguments.dropFirst()))
        if result.status == 255 { throw failure(result, doing: "reaching it") }
        return result
    }

    /// An ssh failure as one line naming the engine and the cause.
    func failure(_ result: ToolResult, doing what: String) -> CiloError {
        let text = result.error
        let cause: String
        if text.contains("Permission denied") || text.contains("publickey") {
            cause = "it refused the key (Permission denied): give ssh the right identity (CILO_SSH='ssh -i KEY', or ssh-agent)"
        } else if text.contains("Could not resolve") || text.contains("Connection refused") || text.contains("timed out")
            || text.contains("No route") || text.contains("unreachable") || text.contains("Connection closed") {
            cause = "unreachable (\(result.tail(1)))"
        } else {
            cause = result.tail(2)
        }
        return CiloError(.failed, "engine \(engine.name): \(what) failed: \(cause)")
    }

    /// Asks every engine `question` at once: the cost is the slowest engine's, not the sum.
    /// - Returns: each engine's answer or failure, in the order of `engines`.
    public static func askingEach<Answer: Sendable>(
        _ engines: [Engine], _ question: @escaping @Sendable (RemoteEngine) async throws(CiloError) -> Answer
    ) async -> [Result<Answer, CiloError>] {
        await SideBySide.each(engines) { engine throws(CiloError) in try await question(RemoteEngine(engine: engine)) }
    }
}
