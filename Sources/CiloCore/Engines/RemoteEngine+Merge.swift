import CiloSystem
import Foundation

/// `cilo merge` of an environment on an engine.
extension RemoteEngine {
    /// The engine's cilo makes (or updates) the branch in the project's synced source there,
    /// as it would here; then this machine's source fetches it over the same ssh, fast-forward
    /// only, so a branch that moved here since is refused, never overwritten. Nothing else of
    /// this machine's source changes. - Returns: the branch and what the engine's cilo said.
    public func merge(_ env: String, project: Project, branch: String?, message: String?) async throws(CiloError) -> (branch: String, said: String) {
        let name = branch ?? "cilo/\(env)"
        let local = try await sourceRepository(project)
        guard try await local.answer(["check-ref-format", "--branch", name]) != nil else {
            throw CiloError(.invalidArgument, "'\(name)' is not a valid branch name")
        }
        let said = try await mergeThere(env, project: project, branch: name, message: message)
        let fetched = try await fetch("refs/heads/\(name):refs/heads/\(name)", project: project)
        guard fetched.succeeded else {
            if fetched.error.contains("non-fast-forward") || fetched.error.contains("rejected") {
                throw CiloError(.failed, "branch \(name) moved in this source since: it was made on engine \(engine.name) but not fetched (\(fetched.tail(1)))")
            }
            throw CiloError(.failed, "engine \(engine.name): fetching branch \(name) failed: \(fetched.tail(2))")
        }
        return (name, said)
    }

    /// `cilo merge --apply`: the engine's cilo puts the environment's whole state on a branch
    /// of its synced source (`cilo-apply/<env>`, cilo's copy: the next sync takes it away), this
    /// source fetches it to a ref of cilo's own, and what changed from the environment's base to
    /// it is landed in the working tree with the same conflict rules as an environment here.
    /// The ref goes afterwards; the source's branches, index and HEAD are not touched.
    public func apply(_ env: String, project: Project, home: CiloHome, threeWay: Bool) async throws(CiloError) -> WorkspaceChanges.ApplyOutcome {
        let source = try await sourceRepository(project)
        let status = try await cilo(["status", env, "--json"], project: project.name)
        guard status.succeeded else { throw CiloError(.failed, "engine \(engine.name): cilo status \(env) failed there: \(status.tail(1))") }
        let record: EnvironmentRecord
        // An engine may run an older cilo: its record is read as a stored one would be.
        do throws(CiloError) { record = try RecordMigration.decode(Data(status.output.utf8)) } catch {
            throw CiloError(.failed, "engine \(engine.name): cannot read what it says of '\(env)': \(error.message)")
        }
        guard let base = record.baseCommit else {
            throw CiloError(.unsupported, "'\(env)' on engine \(engine.name) was not made from a git repository: cilo merge --apply of it needs git")
        }
        guard try await source.answer(["cat-file", "-e", "\(base)^{commit}"]) != nil else {
            throw CiloError(.failed, "the commit '\(env)' was made from (\(base.prefix(12))) is not in this source any more: nothing to compare with")
        }
        let branch = "cilo-apply/\(env)", ref = "refs/cilo-apply/\(env)"
        _ = try await mergeThere(env, project: project, branch: branch, message: "cilo merge --apply of \(env)")
        let fetched = try await fetch("+refs/heads/\(branch):\(ref)", project: project)
        guard fetched.succeeded else { throw CiloError(.failed, "engine \(engine.name): fetching the state of '\(env)' failed: \(fetched.tail(2))") }
        do throws(CiloError) {
            let changes = ChangeSet.parseRaw(try await source.bytes(["diff", "--raw", "-z", "-M", "--abbrev=40", base, ref, "--"]))
            let landing = SourceLanding(source: source, objects: source, base: base, tree: ref, label: env, home: home)
            let outcome = try await landing.land(changes, leavingOut: [], threeWay: threeWay)
            try await source.run(["update-ref", "-d", ref])
            return outcome
        } catch {
            // The ref is cilo's only trace in the source; one that cannot go is named.
            var failure = error
            if try await source.answer(["update-ref", "-d", ref]) == nil {
                failure.note = "and the ref \(ref) is left in the source (git update-ref -d \(ref) removes it)"
            }
            throw failure
        }
    }

    /// This machine's source as a git repository. - Throws: when it is not one.
    private func sourceRepository(_ project: Project) async throws(CiloError) -> Git {
        let local = Git(directory: project.root)
        guard try await local.answer(["rev-parse", "--absolute-git-dir"]) != nil else {
            throw CiloError(.unsupported, "the source is not a git repository: cilo merge needs git", path: project.root)
        }
        return local
    }

    /// `cilo merge <env> --branch <branch>` by the engine's cilo. - Returns: what it said.
    private func mergeThere(_ env: String, project: Project, branch: String, message: String?) async throws(CiloError) -> String {
        let result = try await cilo(["merge", env, "--branch", branch] + (message.map { ["--message", $0] } ?? []), project: project.name)
        guard result.succeeded else { throw CiloError(.failed, "engine \(engine.name): cilo merge \(env) failed there: \(result.tail(2))") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fetches `refspec` from the engine's synced source into this source.
    private func fetch(_ refspec: String, project: Project) async throws(CiloError) -> ToolResult {
        // git's scp form: a relative folder is relative to the login's home; the port is in the ssh command.
        let url = "\(engine.destination):\(engine.home)/sources/\(project.name)"
        let source = Git(directory: project.root, environment: ["GIT_SSH_COMMAND": engine.transport.map(Engine.quoted).joined(separator: " ")])
        return try await source.result(["fetch", "--no-tags", "--quiet", "--no-write-fetch-head", url, refspec])
    }
}
