import CiloCore
import CiloSystem
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/environments/:project/:env/...`: one environment's status, diff, logs and checkpoints,
/// and the actions on it. Each is the cilo command that does the same, run in the project's
/// source folder with `--project`, its JSON passed on and its one-line error answered as
/// `{"error": ...}` with a failing status.
struct DashboardEnvironments: Sendable {
    let home: CiloHome

    /// The actions a page may ask for, and the command line of each.
    static let actions: Set<String> = ["up", "down", "destroy", "merge", "checkpoint", "restore", "fork"]

    func addRoutes(to router: Router<BasicRequestContext>) {
        let base = "/api/environments/:project/:env"
        router.get(RouterPath(base)) { _, context in try await self.json(context, ["status"], ["--json"]) }
        router.get(RouterPath(base + "/checkpoints")) { _, context in try await self.json(context, ["checkpoints"], ["--json"]) }
        router.get(RouterPath(base + "/diff")) { _, context in try await self.diff(context) }
        router.get(RouterPath(base + "/diff/file")) { request, context in
            guard let path = request.uri.queryParameters["path"].map(String.init), !path.isEmpty else { return Self.failure("the path parameter is missing", .badRequest) }
            return try await self.text(context, ["diff"], ["--", path])
        }
        router.get(RouterPath(base + "/logs")) { request, context in
            let tail = request.uri.queryParameters["tail"].flatMap { Int($0) } ?? 200
            return try await self.text(context, ["logs"], ["--tail", String(min(max(tail, 1), 100_000))], service: request.uri.queryParameters["service"].map(String.init))
        }
        router.get(RouterPath(base + "/logs/stream")) { request, context in
            let target = try self.target(context)
            let service = request.uri.queryParameters["service"].map(String.init)
            let invocation = self.invocation(target, ["logs"], ["-f", "--tail", "200"], service: service)
            return EventStream.lines(of: invocation)
        }
        router.post(RouterPath(base + "/:action")) { request, context in try await self.act(request, context) }
    }

    /// The environment a request names, checked: its project, name and record.
    struct Target {
        var project: String
        var env: String
        var record: EnvironmentRecord?
    }

    func target(_ context: BasicRequestContext) throws -> Target {
        let project = try context.parameters.require("project"), env = try context.parameters.require("env")
        guard (try? NameRules.environmentName(env)) == env, !project.isEmpty, !project.contains("/") else {
            throw HTTPError(.badRequest, message: "not an environment: \(project)/\(env)")
        }
        // The record only says where to run the command; one that cannot be read is the command's to report.
        return Target(project: project, env: env, record: try? StateStore(home: home).load(project: project, env: env))
    }

    /// `cilo COMMAND ENV --project P ARGUMENTS [SERVICE]`, in the project's source folder.
    func invocation(_ target: Target, _ command: [String], _ arguments: [String], service: String? = nil) -> CiloInvocation {
        let source = target.record?.source ?? "/"
        let folder = FileManager.default.fileExists(atPath: source) ? source : "/"
        var invocation = CiloInvocation(command + [target.env, "--project", target.project] + arguments + (service.map { [$0] } ?? []), workingDirectory: folder)
        invocation.environment["CILO_PROGRESS"] = "lines"
        invocation.outputLimit = 8 << 20
        return invocation
    }

    func json(_ context: BasicRequestContext, _ command: [String], _ arguments: [String]) async throws -> Response {
        let outcome = try await invocation(try target(context), command, arguments).run()
        guard outcome.status == 0 else { return Self.failure(outcome) }
        return DashboardAssets.response(Data(outcome.output), type: "application/json")
    }

    func text(_ context: BasicRequestContext, _ command: [String], _ arguments: [String], service: String? = nil) async throws -> Response {
        let outcome = try await invocation(try target(context), command, arguments, service: service).run()
        guard outcome.status == 0 else { return Self.failure(outcome) }
        return DashboardAssets.response(Data(outcome.output), type: "text/plain; charset=utf-8")
    }

    /// `cilo diff --json`, each change with the lines its patch adds and removes.
    func diff(_ context: BasicRequestContext) async throws -> Response {
        let target = try self.target(context)
        async let patch = invocation(target, ["diff"], []).outcome()
        let listed = try await invocation(target, ["diff"], ["--json"]).run()
        guard listed.status == 0 else { return Self.failure(listed) }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(listed.output))) as? [String: Any] else {
            return Self.failure("cilo diff printed no JSON object", .internalServerError)
        }
        if case .success(let text) = await patch, text.status == 0 {
            let counts = PatchCounts.perFile(text.outputText)
            object["changes"] = (object["changes"] as? [[String: Any]] ?? []).map { change in
                var counted = change
                if let path = change["path"] as? String, let count = counts[path] {
                    counted["added"] = count.added
                    counted["removed"] = count.removed
                }
                return counted
            }
            object["patchCut"] = text.outputBytes > text.output.count
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return DashboardAssets.response(data, type: "application/json")
    }

    /// A POST action: its command line's JSON or output, or its one-line error.
    func act(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let target = try self.target(context)
        let action = try context.parameters.require("action")
        guard Self.actions.contains(action) else { return Self.failure("no action '\(action)' (actions: \(Self.actions.sorted().joined(separator: ", ")))", .notFound) }
        let body = try await request.body.collect(upTo: 64 << 10)
        var fields: [String: Any] = [:]
        if body.readableBytes > 0 {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
                return Self.failure("the body of \(action) is not a JSON object", .badRequest)
            }
            fields = object
        }
        let arguments: [String]
        switch action {
        case "destroy": arguments = ["--force"]
        case "merge": arguments = ["--json"] + ((fields["branch"] as? String).map { ["--branch", $0] } ?? [])
        case "checkpoint": arguments = ((fields["name"] as? String).map { [$0] } ?? []) + ["--json"]
        case "restore":
            guard let checkpoint = fields["checkpoint"] as? String, !checkpoint.isEmpty else { return Self.failure("restore needs a checkpoint", .badRequest) }
            arguments = [checkpoint, "--json"] + ((fields["discard"] as? Bool) == true ? ["--discard"] : [])
        case "fork":
            guard let name = fields["name"] as? String, !name.isEmpty else { return Self.failure("fork needs a name for the new environment", .badRequest) }
            arguments = [name, "--json"]
        default: arguments = []
        }
        let outcome = try await invocation(target, [action], arguments).run()
        guard outcome.status == 0 else { return Self.failure(outcome) }
        let said = outcome.outputText.trimmingCharacters(in: .whitespacesAndNewlines)
        let data = (try? JSONSerialization.data(withJSONObject: ["ok": true, "said": said], options: [.sortedKeys])) ?? Data("{\"ok\":true}".utf8)
        return DashboardAssets.response(data, type: "application/json")
    }

    static func failure(_ outcome: CiloInvocation.Outcome) -> Response {
        let said = outcome.ciloError ?? outcome.errorText.split(separator: "\n").last.map(String.init) ?? "cilo ended with status \(outcome.status)"
        return failure(said, outcome.errorText.contains("no environment") ? .notFound : .unprocessableContent)
    }

    static func failure(_ message: String, _ status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: ["error": message])) ?? Data("{\"error\":\"failed\"}".utf8)
        var response = DashboardAssets.response(data, type: "application/json")
        response.status = status
        return response
    }
}
