import ArgumentParser
import CiloCore
import Foundation

extension CiloCommand {
    /// `cilo setup`: `.cilo/config.yml` for the project in the current folder.
    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write .cilo/config.yml for the project in this folder (the keys the original Cilo's setup writes).")

        @Option(help: "The project name (default: the folder's).")
        var name: String?

        @Option(name: .customLong("compose"), help: "A compose file (repeatable; default: the one Compose itself picks).")
        var composeFiles: [String] = []

        @Option(name: .customLong("env-file"), help: "A KEY=VALUE file for compose's interpolation (repeatable).")
        var envFiles: [String] = []

        @Option(help: "docker (what cilo drives), podman or nerdctl.")
        var buildTool = "docker"

        @Option(name: .customLong("default-env"), help: "The default environment name.")
        var defaultEnvironment = "dev"

        @Option(help: "A DNS suffix for the original Cilo (cilo's own comes from cilo init --suffix).")
        var dnsSuffix = ""

        @Flag(help: "Replace an existing .cilo/config.yml.")
        var force = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let path = try await global.perform { () throws(CiloError) in
                try ProjectSetup.write(
                    in: FileManager.default.currentDirectoryPath, name: name, composeFiles: composeFiles, envFiles: envFiles,
                    buildTool: buildTool, defaultEnvironment: defaultEnvironment, dnsSuffix: dnsSuffix, force: force)
            }
            print("wrote \(path)")
        }
    }
}
