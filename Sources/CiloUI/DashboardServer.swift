import CiloCore
import CiloSystem
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `cilo ui`: a live dashboard of every environment of the home, served on 127.0.0.1 (or
/// `--listen`) with a random token, by Hummingbird. The page is plain HTML, CSS and JavaScript
/// from the binary; it reads `/api/...`, the same JSON the command line prints, and gets the
/// overview pushed as server-sent events. Actions run the cilo command that does the same.
public struct DashboardServer: Sendable {
    public let manager: EnvironmentManager
    /// The address to bind: 127.0.0.1 unless `--listen`.
    public let address: String
    /// 0: a free port.
    public let port: Int
    public let token: String

    public init(manager: EnvironmentManager, address: String = "127.0.0.1", port: Int = 0, token: String = DashboardServer.newToken()) {
        self.manager = manager
        self.address = address
        self.port = port
        self.token = token
    }

    /// 32 random bytes as hex.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Host names the Host header may carry.
    var allowedHosts: Set<String> {
        var hosts: Set<String> = ["127.0.0.1", "localhost", "[::1]"]
        if address != "127.0.0.1" { hosts.insert(address.contains(":") ? "[\(address.lowercased())]" : address.lowercased()) }
        return hosts
    }

    /// Serves until SIGINT or SIGTERM; `onRunning` gets the address with the token once bound.
    public func run(onRunning: @escaping @Sendable (String) -> Void) async throws {
        let router = Router()
        router.add(middleware: AccessGuard(token: token, hosts: allowedHosts))
        let feed = DashboardFeed(manager: manager)
        let environments = DashboardEnvironments(home: manager.home)
        let token = self.token
        router.get("/") { _, _ in DashboardAssets.page(token: token) }
        router.get("/app.js") { _, _ in DashboardAssets.response(DashboardAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in DashboardAssets.response(DashboardAssets.style, type: "text/css; charset=utf-8") }
        router.get("/api/overview") { _, _ in DashboardAssets.response(await feed.current(), type: "application/json") }
        router.get("/api/events") { _, _ in EventStream.overview(feed) }
        environments.addRoutes(to: router)
        var logger = Logger(label: "cilo.ui")
        logger.logLevel = .warning
        let host = address, shownHost = address.contains(":") ? "[\(address)]" : address
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "cilo"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                onRunning("http://\(shownHost):\(bound)/?token=\(token)")
            }, logger: logger)
        try await app.runService()
    }
}
