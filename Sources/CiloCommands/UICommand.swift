import ArgumentParser
import CiloCore
import CiloSystem
import CiloUI
import Foundation
import SystemPackage

extension CiloCommand {
    /// `cilo ui`: a live dashboard of every environment in the home, in a browser.
    struct UI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ui",
            abstract: "Serve a live dashboard of every environment (status, URLs, disk, memory, CPU, changes, logs, actions) on 127.0.0.1.",
            discussion: """
                Prints its address with a random token, as notebook servers do: requests without it are refused, \
                and so are Host headers other than 127.0.0.1 and localhost. The page and /api/... read the same \
                JSON the command line prints. Stopping it loses nothing.
                """)

        @Option(help: "The port (default: a free one).")
        var port: Int = 0

        @Option(help: ArgumentHelp("Serve on this address instead of 127.0.0.1 (other machines can reach it; the token still guards it).", valueName: "address"))
        var listen: String?

        @Flag(help: "Open the page in the desktop's browser (xdg-open).")
        var open = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, not \(port)") }
            if let listen, !Self.isAddress(listen) { throw ValidationError("--listen takes an IP address (like 0.0.0.0 or 192.168.1.5), not '\(listen)'") }
        }

        /// An IPv4 or IPv6 literal.
        static func isAddress(_ text: String) -> Bool {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 4 { return parts.allSatisfy { UInt8($0) != nil } }
            return text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }

        func run() async throws {
            let manager = try await global.perform { () throws(CiloError) in try projectOptions.manager() }
            let server = DashboardServer(manager: manager, address: listen ?? "127.0.0.1", port: port)
            if let listen, listen != "127.0.0.1" {
                HostFacts.writeToStandardError("cilo: warning: serving on \(listen): other machines can reach the dashboard; only the token guards it\n")
            }
            let opening = open
            try await server.run { address in
                FileHandle.standardOutput.write(Data("cilo ui: \(address)\n".utf8))
                guard opening else { return }
                do throws(Errno) {
                    _ = try ChildProcess.spawn("xdg-open", arguments: [address], environment: ProcessInfo.processInfo.environment, workingDirectory: "/")
                } catch {
                    HostFacts.writeToStandardError("cilo: warning: cannot open a browser (xdg-open: \(error)); open the address above\n")
                }
            }
        }
    }
}
