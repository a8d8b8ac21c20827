import ArgumentParser
import CiloCore
import CiloMCP
import CiloSystem
import Foundation
import SystemPackage

extension ClientConfiguration: ExpressibleByArgument {}

extension CiloCommand {
    /// `cilo mcp`: the Model Context Protocol server agents call cilo's tools through.
    struct MCP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mcp",
            abstract: "Serve cilo's tools to an agent over the Model Context Protocol (stdio).",
            discussion: """
                Started by the agent's client in the project's folder. Each tool call runs the cilo command that \
                does the same; a cancelled call is rolled back as Ctrl-C would. \
                `cilo mcp --print-config claude|codex|vscode|cursor` prints the snippet that registers it.
                """)

        @Option(help: ArgumentHelp("Print the configuration snippet for this client and exit: claude, codex, vscode or cursor.", valueName: "client"))
        var printConfig: ClientConfiguration?

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            if let printConfig {
                let executable = try await global.perform { () throws(CiloError) -> String in
                    do throws(Errno) { return try HostFacts.ownExecutable() } catch { throw .system(error, "cannot find cilo's own binary", path: "/proc/self/exe") }
                }
                print(printConfig.render(executable: executable, project: projectOptions.project, home: HostFacts.environment("CILO_HOME")), terminator: "")
                return
            }
            // The protocol gets a private copy of standard output; descriptor 1 becomes standard
            // error, so nothing else written to it (a library's print) can reach the client.
            let protocolOutput = try await global.perform { () throws(CiloError) -> FileDescriptor in
                do throws(Errno) {
                    let copy = try FileDescriptor.standardOutput.duplicateClosingOnExec()
                    try FileDescriptor.standardError.duplicate(over: .standardOutput)
                    return copy
                } catch {
                    throw .system(error, "cannot set up standard output for the protocol", path: nil)
                }
            }
            let server = CiloMCPServer(
                directory: FileManager.default.currentDirectoryPath, project: projectOptions.project, version: CiloCommand.configuration.version)
            try await server.run(input: .standardInput, output: protocolOutput)
        }
    }
}
