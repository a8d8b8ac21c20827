@testable import CiloCore
import CiloSystem
import Foundation
import Testing

/// A project folder, a cilo home and a fake engine in a temporary folder: what the
/// transaction tests run `EnvironmentManager` on. Removed on `deinit`.
final class TransactionFixture {
    let folder: String
    let source: String
    let home: CiloHome
    let engine: FakeEngine
    /// What the manager said (warnings and notices), in order.
    let said = Said()

    final class Said: @unchecked Sendable {
        // Guarded by `lock` on every access.
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    /// A two-service web and database stack, in the form `compose config` prints.
    static let webAndDatabase = """
        services:
          web:
            image: fake/web
            networks:
              default: null
          db:
            image: fake/db
            healthcheck:
              test: ["CMD", "true"]
            networks:
              default: null
        networks:
          default:
            name: shop_default

        """

    /// - Parameters:
    ///   - compose: the project's compose file.
    ///   - config: its `.cilo/config.yml` (the project is named `shop` unless it says otherwise).
    init(compose: String = TransactionFixture.webAndDatabase, config: String = "project: shop\n") throws {
        folder = NSTemporaryDirectory() + "cilo-transaction-\(UUID().uuidString.prefix(8))"
        source = folder + "/source"
        try FileManager.default.createDirectory(atPath: source + "/.cilo", withIntermediateDirectories: true)
        try compose.write(toFile: source + "/compose.yml", atomically: true, encoding: .utf8)
        try config.write(toFile: source + "/.cilo/config.yml", atomically: true, encoding: .utf8)
        try "print('hello')\n".write(toFile: source + "/app.py", atomically: true, encoding: .utf8)
        home = CiloHome(root: BytePath(folder + "/home"))
        engine = FakeEngine(home: home.root.display)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A manager of the project on the fake engine, its messages kept in `said`.
    func manager() throws -> EnvironmentManager {
        var manager = EnvironmentManager(project: try Project.resolve(explicit: nil, from: source), home: home, engine: engine)
        let said = said
        manager.warn = { said.append("warning: \($0)") }
        manager.notice = { said.append($0) }
        return manager
    }

    /// A request for `env` with a plain copy for its workspace (no snapshot, no overlay mount).
    func request(_ env: String, start: EnvironmentRequest.Start = .always) -> EnvironmentRequest {
        var request = EnvironmentRequest(env: env, start: start)
        request.strategy = .copy
        request.timeoutSeconds = 5
        return request
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The names of the files and folders in `path` (none when it does not exist).
    func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// How `body`, which must fail, failed: its code and message (none when it succeeded, which
    /// is recorded as an issue).
    static func failure(
        _ body: () async throws(CiloError) -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> (code: CiloError.Code?, text: String) {
        do throws(CiloError) {
            try await body()
            Issue.record("it succeeded", sourceLocation: sourceLocation)
            return (nil, "")
        } catch {
            return (error.code, error.description)
        }
    }
}
