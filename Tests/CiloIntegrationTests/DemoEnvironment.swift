import Foundation
import Testing

/// A private copy of examples/demo under a unique project name with its own CILO_HOME,
/// so Docker tests never touch each other's (or a user's) environments.
final class DemoEnvironment: Sendable {
    let project: String
    let directory: String
    let home: String

    /// Copies the demo; `composeOverride` replaces its compose file.
    init(composeOverride: String? = nil) throws {
        project = "t\(UUID().uuidString.prefix(8).lowercased())"
        let root = try Integration.temporaryDirectory("demo-\(project)")
        directory = root + "/project"
        home = root + "/home"
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/demo").path
        try Integration.check(["cp", "-a", demo, directory])
        try "project: \(project)\n".write(toFile: directory + "/.cilo/config.yml", atomically: true, encoding: .utf8)
        if let composeOverride {
            try composeOverride.write(toFile: directory + "/docker-compose.yml", atomically: true, encoding: .utf8)
        }
    }

    /// Runs cilo in the project folder with this CILO_HOME.
    @discardableResult
    func cilo(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try Integration.run([Integration.ciloExecutable] + arguments, environment: ["CILO_HOME": home], directory: directory)
    }

    /// Runs several cilo commands at once, as separate processes, and returns their results in order.
    func ciloConcurrently(_ commands: [[String]]) throws -> [(status: Int32, out: String, err: String)] {
        let results = ConcurrentResults(count: commands.count)
        DispatchQueue.concurrentPerform(iterations: commands.count) { index in
            results.set(index, try? self.cilo(commands[index]))
        }
        return try results.all()
    }

    /// Docker objects still carrying this project's label: containers, volumes, networks.
    func leftovers() throws -> [String] {
        let filter = "label=dev.cilo.project=\(project)"
        var found: [String] = []
        for command in [["ps", "-aq"], ["volume", "ls", "-q"], ["network", "ls", "-q"]] {
            let out = try Integration.check(["docker"] + command + ["--filter", filter])
            found += out.split(separator: "\n").map { "\(command[0]) \($0)" }
        }
        return found
    }

    /// Removes whatever the test left: environments, Docker objects, files.
    func tearDown() {
        _ = try? cilo(["destroy", "--all", "--force"])
        let filter = "label=dev.cilo.project=\(project)"
        _ = try? Integration.run(["sh", "-c", "docker ps -aq --filter \(filter) | xargs -r docker rm -f -v; docker volume ls -q --filter \(filter) | xargs -r docker volume rm -f; docker network ls -q --filter \(filter) | xargs -r docker network rm"])
        try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent)
    }

    /// `cilo list --json` as objects.
    func list() throws -> [[String: Any]] {
        let result = try cilo(["list", "--json"])
        return try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]] ?? []
    }
}

/// Results gathered from concurrent workers.
final class ConcurrentResults: @unchecked Sendable {
    private var values: [(status: Int32, out: String, err: String)?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: (status: Int32, out: String, err: String)?) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func all() throws -> [(status: Int32, out: String, err: String)] {
        try values.map { value in
            guard let value else { throw IntegrationError.commandFailed("a concurrent cilo could not be started") }
            return value
        }
    }
}
