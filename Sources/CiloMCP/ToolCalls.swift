import CiloCore
import Foundation
import MCP
import Synchronization

/// Carries out tool calls: each one is the cilo command that does the same on the command line,
/// run as a child (`CiloInvocation`), its JSON answer handed back as the tool's structured result
/// and its one-line error as an `isError` result.
struct ToolCalls: Sendable {
    /// The folder the server started in: the project is found from it, as on the command line.
    let directory: String
    /// `--project`, when given.
    let project: String?
    /// Names chosen for environments being made now, so two creates at once never pick the same.
    let reserved = NameReservations()

    /// Calls `tool` with `arguments`; `step` gets each step of long work as it begins.
    func call(_ tool: Tool, _ arguments: [String: Value]?, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let arguments = try ToolArguments(tool: tool, arguments)
        switch tool.name {
        case "environment_list": return try await list()
        case "environment_status": return try await status(arguments)
        case "environment_create": return try await create(arguments, step: step)
        case "environment_destroy": return try await destroy(arguments, step: step)
        case "environment_run": return try await runCommand(arguments, step: step)
        case "environment_service_exec": return try await serviceExec(arguments)
        case "environment_logs": return try await logs(arguments)
        case "environment_diff": return try await diff(arguments)
        case "environment_merge": return try await merge(arguments, step: step)
        case "environment_file_read": return try await fileRead(arguments)
        case "environment_file_write": return try await fileWrite(arguments)
        case "environment_file_list": return try await fileList(arguments)
        case "environment_fork": return try await fork(arguments, step: step)
        case "environment_checkpoint": return try await checkpoint(arguments, step: step)
        case "environment_checkpoints": return try await checkpoints(arguments)
        case "environment_restore": return try await restore(arguments, step: step)
        default: throw CiloError(.invalidArgument, "unknown tool \(tool.name)")
        }
    }

    // MARK: Running cilo

    /// The command line `cilo <command...> [--project P] <rest...>`.
    func invocation(_ command: [String], _ rest: [String]) -> CiloInvocation {
        var invocation = CiloInvocation(command + (project.map { ["--project", $0] } ?? []) + rest, workingDirectory: directory)
        invocation.environment["CILO_PROGRESS"] = "lines"
        return invocation
    }

    /// Runs `invocation`; a failure of cilo's is thrown as its one-line message.
    func succeeded(_ invocation: CiloInvocation, step: @escaping @Sendable (String) -> Void = { _ in }) async throws(CiloError) -> CiloInvocation.Outcome {
        let outcome = try await invocation.run(onStep: step)
        if outcome.stopped { throw CiloError(.cancelled, "cancelled; what the call was making was rolled back") }
        guard outcome.status == 0 else { throw Self.failure(outcome) }
        return outcome
    }

    /// cilo's one-line error, or the end of what it printed.
    static func failure(_ outcome: CiloInvocation.Outcome) -> CiloError {
        if let said = outcome.ciloError { return CiloError(.failed, said) }
        let tail = outcome.errorText.split(separator: "\n").suffix(3).joined(separator: " / ")
        return CiloError(.failed, tail.isEmpty ? "cilo ended with status \(outcome.status)" : tail)
    }

    /// The JSON cilo printed, as a structured result (an array is wrapped as `{key: [...]}`).
    static func jsonResult(_ outcome: CiloInvocation.Outcome, wrapping key: String = "items") throws(CiloError) -> CallTool.Result {
        let value: Value
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(outcome.output))
        } catch {
            throw CiloError(.failed, "cilo's JSON answer could not be read: \(error)")
        }
        return structured(value.objectValue == nil ? .object([key: value]) : value)
    }

    /// A structured result, its JSON also given as text (for clients that read text only).
    static func structured(_ value: Value) -> CallTool.Result {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: Optional(value), isError: false)
    }

    /// A command's outcome (`environment_run`, `environment_service_exec`): exit code, both
    /// streams with what was cut, seconds.
    static func commandResult(_ outcome: CiloInvocation.Outcome) -> CallTool.Result {
        var result: [String: Value] = [
            "exit_code": .int(Int(outcome.status)),
            "stdout": .string(outcome.outputText),
            "stderr": .string(outcome.errorText),
            "seconds": .double((outcome.seconds * 1000).rounded() / 1000),
        ]
        if outcome.outputBytes > outcome.output.count { result["stdout_cut_bytes"] = .int(outcome.outputBytes - outcome.output.count) }
        if outcome.errorBytes > outcome.error.count { result["stderr_cut_bytes"] = .int(outcome.errorBytes - outcome.error.count) }
        if outcome.timedOut { result["timed_out"] = true }
        return structured(.object(result))
    }

    // MARK: The project's records

    /// The project as the command line would find it from the server's folder.
    func resolvedProject() throws(CiloError) -> Project {
        try Project.resolve(explicit: project, from: directory)
    }

    /// Throws unless `env` exists (one line naming it and how to make it).
    func requireEnvironment(_ env: String) throws(CiloError) {
        let project = try resolvedProject()
        guard try StateStore(home: .fromEnvironment()).load(project: project.name, env: env) != nil else {
            throw CiloError(.notFound, "no environment '\(env)' in project '\(project.name)' (environment_create makes one)")
        }
    }

    /// `asked`, or the first free `agent-N` of the project (held until `release`).
    func chooseName(_ asked: String?) throws(CiloError) -> String {
        if let asked { return try NameRules.environmentName(asked) }
        let project = try resolvedProject()
        let taken = Set(try StateStore(home: .fromEnvironment()).allReadable(project: project.name).records.map(\.name))
        return reserved.names.withLock { reserved -> String in
            var number = 1
            while taken.contains("agent-\(number)") || reserved.contains("agent-\(number)") { number += 1 }
            reserved.insert("agent-\(number)")
            return "agent-\(number)"
        }
    }

    func release(_ name: String) {
        _ = reserved.names.withLock { $0.remove(name) }
    }
}

/// The names of environments this server is making now.
final class NameReservations: Sendable {
    let names = Mutex<Set<String>>([])
}
