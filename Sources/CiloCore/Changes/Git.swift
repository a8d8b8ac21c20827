import Foundation

/// `git` run for cilo: in one folder, with variables of its own, never prompting, trusting
/// repositories owned by another user (a workspace keeps its source's owner), and running no
/// program any configuration names (`hardening`). A workspace is reached only through
/// `WorkspaceRepository`, whose git folder and config are cilo's.
struct Git: Sendable {
    /// The folder git runs in (`-C`).
    var directory: String
    /// Variables such as `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE`, `GIT_OBJECT_DIRECTORY`.
    var environment: [String: String] = [:]
    /// Whether git may write the index it reads for its own sake (`GIT_OPTIONAL_LOCKS`): never the
    /// workspace's or the source's (their owner's git may be at work); cilo's own index, yes.
    var optionalLocks = false

    /// Settings that win over every config file: no hooks (cilo's own commits and index writes
    /// run none: a source's pre-commit hook would run the agent's code), no fsmonitor, pager
    /// or submodule recursion (every diff cilo runs also says `--no-ext-diff --no-textconv`).
    static let hardening = [
        "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.pager=cat", "-c", "submodule.recurse=false", "-c", "core.quotepath=off",
    ]

    private var baseArguments: [String] { ["-c", "safe.directory=*"] + Self.hardening + ["-C", directory] }
    private var fullEnvironment: [String: String] {
        environment.merging([
            "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": optionalLocks ? "1" : "0", "GIT_PAGER": "cat",
        ]) { $1 }
    }

    /// Runs git; its trimmed standard output. - Throws: one line naming the git command and its error.
    @discardableResult
    func run(_ arguments: [String]) async throws(CiloError) -> String {
        let result = try await ToolRunner.run("git", baseArguments + arguments, environment: fullEnvironment)
        guard result.succeeded else { throw failure(arguments, result.error) }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs git; nil when it exits non-zero (a question such as `rev-parse --verify`).
    func answer(_ arguments: [String]) async throws(CiloError) -> String? {
        let result = try await ToolRunner.run("git", baseArguments + arguments, environment: fullEnvironment)
        return result.succeeded ? result.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Runs git; how it ended and what it printed, for callers that read a failure themselves.
    func result(_ arguments: [String]) async throws(CiloError) -> ToolResult {
        try await ToolRunner.run("git", baseArguments + arguments, environment: fullEnvironment)
    }

    /// Runs git; its standard output as bytes (paths that are not UTF-8 stay exact).
    func bytes(_ arguments: [String]) async throws(CiloError) -> [UInt8] {
        let result = try await ToolRunner.runForBytes("git", baseArguments + arguments, environment: fullEnvironment)
        guard result.status == 0 else { throw failure(arguments, result.error) }
        return result.output
    }

    /// Runs git with its standard output going straight to cilo's.
    func passingOutput(_ arguments: [String]) async throws(CiloError) {
        let result = try await ToolRunner.runPassingOutput("git", baseArguments + arguments, environment: fullEnvironment)
        guard result.status == 0 else { throw failure(arguments, result.error) }
    }

    private func failure(_ arguments: [String], _ error: String) -> CiloError {
        let line = error.split(separator: "\n").last.map(String.init) ?? "(no message)"
        // The subcommand: the first word that is neither an option nor the value of `-c`.
        var command = ""
        var skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            if argument == "-c" { skipNext = true; continue }
            if !argument.hasPrefix("-") { command = argument; break }
        }
        return CiloError(.failed, "git \(command) failed: \(line)", path: directory)
    }
}
