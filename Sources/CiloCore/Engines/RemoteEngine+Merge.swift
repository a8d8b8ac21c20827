import Foundation

/// `cilo merge` of an environment on an engine.
extension RemoteEngine {
    /// The engine's cilo makes (or updates) the branch in the project's synced source there,
    /// as it would here; then this machine's source fetches it over the same ssh, fast-forward
    /// only, so a branch that moved here since is refused, never overwritten. Nothing else of
    /// this machine's source changes. - Returns: the branch and what the engine's cilo said.
    public func merge(_ env: String, project: Project, branch: String?, message: String?) async throws(CiloError) -> (branch: String, said: String) {
        let name = branch ?? "cilo/\(env)"
        let local = Git(directory: project.root)
        guard try await local.answer(["rev-parse", "--absolute-git-dir"]) != nil else {
            throw CiloError(.unsupported, "the source is not a git repository: cilo merge needs git", path: project.root)
        }
        guard try await local.answer(["check-ref-format", "--branch", name]) != nil else {
            throw CiloError(.invalidArgument, "'\(name)' is not a valid branch name")
        }
        let result = try await cilo(["merge", env, "--branch", name] + (message.map { ["--message", $0] } ?? []), project: project.name)
        guard result.succeeded else { throw CiloError(.failed, "engine \(engine.name): cilo merge \(env) failed there: \(result.tail(2))") }
        // git's scp form: a relative folder is relative to the login's home; the port is in the ssh command.
        let url = "\(engine.destination):\(engine.home)/sources/\(project.name)"
        let fetched = try await ToolRunner.run(
            "git", ["-C", project.root, "fetch", "--no-tags", "--quiet", url, "refs/heads/\(name):refs/heads/\(name)"],
            environment: ["GIT_SSH_COMMAND": engine.transport.map(Engine.quoted).joined(separator: " ")])
        guard fetched.succeeded else {
            if fetched.error.contains("non-fast-forward") || fetched.error.contains("rejected") {
                throw CiloError(.failed, "branch \(name) moved in this source since: it was made on engine \(engine.name) but not fetched (\(fetched.tail(1)))")
            }
            throw CiloError(.failed, "engine \(engine.name): fetching branch \(name) failed: \(fetched.tail(2))")
        }
        return (name, result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
