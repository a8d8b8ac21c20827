#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import Dispatch
import Foundation
import MCP
import SystemPackage

/// `cilo mcp`: a Model Context Protocol server on stdio for the project of the folder it starts
/// in, built on the official Swift SDK. Each tool call runs the cilo command that does the same
/// (`ToolCalls`); several run at once. A client's cancellation stops its call as Ctrl-C would;
/// when the client goes (end of input) or the server gets SIGINT or SIGTERM, every call still
/// running is stopped the same way and waited for, so each environment is whole or gone.
public struct CiloMCPServer: Sendable {
    /// The folder the project is found from.
    public let directory: String
    /// `--project`.
    public let project: String?
    public let version: String

    public init(directory: String, project: String?, version: String) {
        self.directory = directory
        self.project = project
        self.version = version
    }

    static let instructions = """
        cilo gives each agent its own isolated copy of this Docker Compose project: a copy-on-write \
        workspace, its own containers, network, DNS names and URLs. Make one with environment_create, \
        work in its workspace folder (or with environment_file_* where your file tools cannot reach it), \
        run tests against its services with environment_run, review with environment_diff, keep the \
        work with environment_merge, and remove it with environment_destroy.
        """

    /// Serves until the client closes its end or a signal comes; returns once every call ended.
    public func run(input: FileDescriptor, output: FileDescriptor) async throws {
        let server = Server(
            name: "cilo", version: version, title: "cilo", instructions: Self.instructions,
            capabilities: .init(logging: .init(), tools: .init(listChanged: false)))
        let calls = ToolCalls(directory: directory, project: project)
        let running = RunningCalls()
        let logLevel = LogThreshold()
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: ToolCatalog.all) }
        await server.withMethodHandler(SetLoggingLevel.self) { parameters in
            logLevel.set(parameters.level)
            return Empty()
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            guard let tool = ToolCatalog.all.first(where: { $0.name == parameters.name }) else {
                throw MCPError.invalidParams("Unknown tool: \(parameters.name)")
            }
            let reporter = StepReporter(server: server, token: parameters._meta?.progressToken, logLevel: logLevel)
            let arguments = parameters.arguments
            let result = await running.run {
                do throws(CiloError) {
                    return try await calls.call(tool, arguments) { reporter.report($0) }
                } catch {
                    return CallTool.Result(content: [.text(text: error.description, annotations: nil, _meta: nil)], isError: true)
                }
            }
            await reporter.finish()
            return result
        }
        signal(SIGPIPE, SIG_IGN)
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { Task { await server.stop() } }
            source.resume()
            return source
        }
        defer { for source in signals { source.cancel() } }
        try await server.start(transport: LineTransport(input: input, output: output))
        await server.waitUntilCompleted()
        // The client went (or a signal came): calls still running are stopped and waited for.
        await running.stopAll()
        await server.stop()
    }
}
