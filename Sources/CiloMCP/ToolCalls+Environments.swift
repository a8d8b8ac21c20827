import CiloCore
import Foundation
import MCP

/// The tools of an environment's life and work, each the command line that does the same.
extension ToolCalls {
    func list() async throws(CiloError) -> CallTool.Result {
        try Self.jsonResult(try await succeeded(invocation(["list"], ["--json"])), wrapping: "environments")
    }

    /// `cilo status --json`, with disk, memory and CPU (`cilo stats`) and the count of changed paths (`cilo diff`).
    func status(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        // The figures are read beside the status; one that cannot be had is said, not invented.
        async let stats = invocation(["stats"], [name, "--json"]).outcome()
        async let disk = invocation(["du"], [name, "--json"]).outcome()
        async let changes = invocation(["diff"], [name, "--json"]).outcome()
        let status = try await succeeded(invocation(["status"], [name, "--json"]))
        guard var record = try Self.jsonResult(status).structuredContent?.objectValue else {
            throw CiloError(.failed, "cilo status printed no JSON object")
        }
        var unavailable: [String: Value] = [:]
        func figure(_ key: String, _ result: Swift.Result<CiloInvocation.Outcome, CiloError>) -> Value? {
            do throws(CiloError) {
                let outcome = try result.get()
                guard outcome.status == 0 else { throw Self.failure(outcome) }
                do {
                    return try JSONDecoder().decode(Value.self, from: Data(outcome.output))
                } catch {
                    throw CiloError(.failed, "its JSON could not be read: \(error)")
                }
            } catch {
                unavailable[key] = .string(error.description)
                return nil
            }
        }
        if let usage = figure("usage", await stats) { record["usage"] = usage.arrayValue?.first ?? usage }
        if let usage = figure("disk", await disk) { record["disk"] = usage.arrayValue?.first ?? usage }
        if let diff = figure("changedPaths", await changes) { record["changedPaths"] = .int(diff.objectValue?["changes"]?.arrayValue?.count ?? 0) }
        if !unavailable.isEmpty { record["unavailable"] = .object(unavailable) }
        return Self.structured(.object(record))
    }

    /// `cilo up NAME --new --json` (or `cilo create` without starting), then `cilo status --json`
    /// for its URLs and variables. A chosen name another cilo took meanwhile moves to the next.
    func create(_ arguments: ToolArguments, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let start = try arguments.bool("start", default: true)
        var options: [String] = []
        if let fork = try arguments.string("fork") { options += ["--fork", try NameRules.environmentName(fork)] }
        if let template = try arguments.string("template") { options += ["--template", try NameRules.environmentName(template)] }
        let asked = try arguments.string("name")
        for _ in 1...5 {
            let name = try chooseName(asked)
            defer { if asked == nil { release(name) } }
            let outcome = try await invocation([start ? "up" : "create"], [name, "--json"] + (start ? ["--new"] : []) + options).run(onStep: step)
            if outcome.stopped { throw CiloError(.cancelled, "cancelled; what the call was making was rolled back") }
            if outcome.status != 0 {
                if asked == nil, outcome.ciloError?.contains("already exists") == true { continue }
                throw Self.failure(outcome)
            }
            return try await status(ToolArguments(tool: ToolCatalog.named("environment_status"), ["name": .string(name)]))
        }
        throw CiloError(.busy, "no free environment name found: name one")
    }

    func destroy(_ arguments: ToolArguments, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let keep = try arguments.bool("keep_workspace", default: false)
        try requireEnvironment(name)
        let outcome = try await succeeded(invocation(["destroy"], [name, "--force"] + (keep ? ["--keep-workspace"] : [])), step: step)
        return Self.structured(["destroyed": .string(name), "said": .string(outcome.outputText.trimmingCharacters(in: .whitespacesAndNewlines))])
    }

    /// `cilo run [--sandbox] [-e K=V...] sh NAME -c COMMAND`: the command's outcome, whatever its exit code.
    func runCommand(_ arguments: ToolArguments, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let command = try arguments.requiredString("command")
        var options: [String] = []
        if try arguments.bool("sandbox", default: false) { options.append("--sandbox") }
        for (key, value) in try arguments.stringMap("env").sorted(by: { $0.key < $1.key }) { options += ["-e", "\(key)=\(value)"] }
        var run = invocation(["run"], options + ["sh", name, "-c", command])
        try limitCommand(&run, arguments)
        try requireEnvironment(name)
        return try await commandOutcome(run, step: step)
    }

    /// `cilo exec NAME SERVICE -- sh -c COMMAND`.
    func serviceExec(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let service = try arguments.requiredString("service")
        let command = try arguments.requiredString("command")
        var exec = invocation(["exec"], [name, service, "--", "sh", "-c", command])
        try limitCommand(&exec, arguments)
        try requireEnvironment(name)
        return try await commandOutcome(exec)
    }

    /// The time and output limits of a command of the agent's, which is stopped by SIGTERM.
    private func limitCommand(_ invocation: inout CiloInvocation, _ arguments: ToolArguments) throws(CiloError) {
        invocation.timeout = Double(try arguments.integer("timeout_seconds", default: 600, in: 1...86_400))
        let limit = try arguments.integer("max_output_bytes", default: 65_536, in: 1...(16 << 20))
        invocation.outputLimit = limit
        invocation.errorLimit = limit
        invocation.stop = .terminate
    }

    /// A command's outcome; cilo's own failure before the command ran is an error.
    private func commandOutcome(_ invocation: CiloInvocation, step: @escaping @Sendable (String) -> Void = { _ in }) async throws(CiloError) -> CallTool.Result {
        let outcome = try await invocation.run(onStep: step)
        if outcome.stopped { throw CiloError(.cancelled, "cancelled; the command was stopped") }
        if !outcome.timedOut, outcome.status != 0, let said = outcome.ciloError { throw CiloError(.failed, said) }
        return Self.commandResult(outcome)
    }

    func logs(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        var options = ["--tail", String(try arguments.integer("tail", default: 200, in: 1...100_000))]
        if let since = try arguments.string("since") { options += ["--since", since] }
        var logs = invocation(["logs"], options + [name] + (try arguments.string("service").map { [$0] } ?? []))
        logs.outputLimit = try arguments.integer("max_output_bytes", default: 65_536, in: 1...(16 << 20))
        try requireEnvironment(name)
        let outcome = try await succeeded(logs)
        var result: [String: Value] = ["logs": .string(outcome.outputText)]
        if outcome.outputBytes > outcome.output.count { result["cut_bytes"] = .int(outcome.outputBytes - outcome.output.count) }
        return Self.structured(.object(result))
    }

    /// `cilo diff NAME --json`, and with `patch` the unified diff.
    func diff(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let paths = try arguments.strings("paths")
        let narrowed = paths.isEmpty ? [] : ["--"] + paths
        let patchLimit = try arguments.bool("patch", default: false)
            ? try arguments.integer("max_output_bytes", default: 65_536, in: 1...(16 << 20)) : nil
        try requireEnvironment(name)
        guard var result = try Self.jsonResult(try await succeeded(invocation(["diff"], [name, "--json"] + narrowed))).structuredContent?.objectValue
        else { throw CiloError(.failed, "cilo diff printed no JSON object") }
        if let patchLimit {
            var patch = invocation(["diff"], [name] + narrowed)
            patch.outputLimit = patchLimit
            let outcome = try await succeeded(patch)
            result["patch"] = .string(outcome.outputText)
            if outcome.outputBytes > outcome.output.count { result["patch_cut_bytes"] = .int(outcome.outputBytes - outcome.output.count) }
        }
        return Self.structured(.object(result))
    }

    func merge(_ arguments: ToolArguments, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        var options = ["--json"]
        let branch = try arguments.string("branch"), message = try arguments.string("message")
        if try arguments.bool("apply", default: false) {
            if branch != nil || message != nil {
                throw CiloError(.invalidArgument, "environment_merge with apply: true writes no branch: drop branch and message")
            }
            options.append("--apply")
        }
        try requireEnvironment(name)
        if let branch { options += ["--branch", branch] }
        if let message { options += ["--message", message] }
        let outcome = try await invocation(["merge"], [name] + options).run(onStep: step)
        if outcome.stopped { throw CiloError(.cancelled, "merge cancelled; the source's branches are as they were") }
        // --apply with conflict markers exits 1 after its JSON: an answer, not a failure.
        if outcome.status != 0, outcome.ciloError != nil || outcome.output.isEmpty { throw Self.failure(outcome) }
        return try Self.jsonResult(outcome)
    }
}

extension ToolCatalog {
    /// The tool called `name` (one of `all`).
    static func named(_ name: String) -> Tool {
        all.first { $0.name == name } ?? Tool(name: name, description: nil, inputSchema: Schema.object([:]))
    }
}
