import ArgumentParser
import CiloCore
import CiloSystem
import Foundation
import SystemPackage

extension CiloCommand {
    /// `cilo file read|write|list <env> <path>`: an environment's files for a caller that cannot
    /// reach its workspace (an environment on another engine, a sandboxed agent, `cilo mcp`).
    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read, write or list files of an environment's workspace; no path, '..' or symlink leaves it.",
            subcommands: [Read.self, Write.self, List.self])

        /// The workspace's files of `env`, or its command line sent to the engine it lives on.
        static func files(of env: String, _ projectOptions: ProjectOptions) throws(CiloError) -> WorkspaceFiles {
            let manager = try projectOptions.manager()
            let name = try NameRules.environmentName(env)
            if let remote = try RemoteRouting.engine(of: name, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
            return WorkspaceFiles(root: try manager.record(name).workspace, env: name)
        }

        /// `cilo file read`.
        struct Read: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print a file of the workspace (its bytes, or JSON with --json).")

            @Argument(help: "The environment name.") var env: String
            @Argument(help: "The file, relative to the workspace.") var path: String
            @Option(help: "Start at this byte.") var offset: Int = 0
            @Option(help: "Read at most this many bytes.") var limit: Int = 1 << 20
            @Flag(help: "Print JSON: size, offset, the bytes read, and the content (as text, or base64 when it is not UTF-8).") var json = false
            @OptionGroup var projectOptions: ProjectOptions
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let result = try await global.perform { () throws(CiloError) in
                    try File.files(of: env, projectOptions).read(path, offset: offset, limit: limit)
                }
                guard json else {
                    FileHandle.standardOutput.write(Data(result.bytes))
                    return
                }
                let text = String(validating: result.bytes, as: UTF8.self)
                let output = ReadOutput(
                    path: path, size: result.size, offset: offset, bytes: result.bytes.count,
                    remaining: max(0, result.size - offset - result.bytes.count),
                    text: text, base64: text == nil ? Data(result.bytes).base64EncodedString() : nil)
                print(try JSONOutput.encode(output))
            }
        }

        /// `cilo file write`.
        struct Write: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Write standard input as the whole content of a file of the workspace.")

            @Argument(help: "The environment name.") var env: String
            @Argument(help: "The file, relative to the workspace.") var path: String
            @Flag(help: "Make missing folders on the way.") var makeFolders = false
            @Flag(help: "Print JSON.") var json = false
            @OptionGroup var projectOptions: ProjectOptions
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let written = try await global.perform { () throws(CiloError) -> Int in
                    let files = try File.files(of: env, projectOptions)
                    let bytes: [UInt8]
                    do throws(Errno) {
                        bytes = try FileDescriptor.standardInput.readStreamToEnd()
                    } catch {
                        throw .system(error, "cannot read standard input", path: nil)
                    }
                    return try files.write(path, bytes: bytes, makeFolders: makeFolders)
                }
                if json {
                    print(try JSONOutput.encode(WriteOutput(path: path, bytes: written)))
                } else {
                    print("wrote \(written) bytes to \(path)")
                }
            }
        }

        /// `cilo file list`.
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List a folder of the workspace (.git folders are not entered).")

            @Argument(help: "The environment name.") var env: String
            @Argument(help: "The folder, relative to the workspace.") var path: String = "."
            @Option(help: "How many levels down (1: the folder's own entries).") var depth: Int = 1
            @Option(help: "At most this many entries.") var limit: Int = 2000
            @Flag(help: "Print JSON.") var json = false
            @OptionGroup var projectOptions: ProjectOptions
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let listing = try await global.perform { () throws(CiloError) in
                    try File.files(of: env, projectOptions).list(path, depth: depth, limit: limit)
                }
                if json {
                    print(try JSONOutput.encode(ListOutput(path: path, entries: listing.entries, cut: listing.cut)))
                    return
                }
                for entry in listing.entries {
                    print(entry.kind == "directory" ? entry.path + "/" : entry.path)
                }
                if listing.cut { HostFacts.writeToStandardError("cilo: listing cut at \(limit) entries (--limit)\n") }
            }
        }
    }

    /// `cilo file write --json`.
    struct WriteOutput: Encodable {
        var path: String
        var bytes: Int
    }

    /// `cilo file read --json`.
    struct ReadOutput: Encodable {
        var path: String
        var size: Int
        var offset: Int
        var bytes: Int
        /// Bytes of the file after what was read.
        var remaining: Int
        var text: String?
        var base64: String?
    }

    /// `cilo file list --json`.
    struct ListOutput: Encodable {
        var path: String
        var entries: [WorkspaceFiles.Entry]
        /// Whether `--limit` cut the listing.
        var cut: Bool
    }
}
