import Foundation
import Testing

/// A private copy of examples/demo under a unique project name with its own CILO_HOME,
/// so Docker tests never touch each other's (or a user's) environments.
final class DemoEnvironment: Sendable {
    let project: String
    let directory: String
    let home: String
    /// `CILO_COMPOSE` for every cilo this demo runs (nil: cilo's own choice, v2 where present).
    let compose: String?

    /// Copies `examples/<example>` (the demo by default) under a unique project name;
    /// `composeOverride` replaces its compose file; `sharing` uses another demo's CILO_HOME.
    init(example: String = "demo", composeOverride: String? = nil, sharing other: DemoEnvironment? = nil, under parent: String? = nil,
         compose: String? = nil) throws {
        self.compose = compose
        project = "t\(UUID().uuidString.prefix(8).lowercased())"
        let root: String
        if let parent {
            root = parent + "/demo-\(project)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } else {
            root = try Integration.temporaryDirectory("demo-\(project)")
        }
        directory = root + "/project"
        home = other?.home ?? root + "/home"
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/\(example)").path
        try Integration.check(["cp", "-a", demo, directory])
        let config = directory + "/.cilo/config.yml"
        // Every other setting of the example's config is kept; only the project is made unique.
        let kept = ((try? String(contentsOfFile: config, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("project:") }.joined(separator: "\n")
        try ("project: \(project)\n" + kept).write(toFile: config, atomically: true, encoding: .utf8)
        if let composeOverride {
            try composeOverride.write(toFile: directory + "/docker-compose.yml", atomically: true, encoding: .utf8)
        }
    }

    /// Appends settings to the project's `.cilo/config.yml`.
    func addToConfig(_ settings: String) throws {
        let config = directory + "/.cilo/config.yml"
        try (try String(contentsOfFile: config, encoding: .utf8) + "\n" + settings + "\n").write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Runs cilo in the project folder with this CILO_HOME (and any extra variables).
    @discardableResult
    func cilo(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        var variables = environment.merging(["CILO_HOME": home]) { $1 }
        if let compose, variables["CILO_COMPOSE"] == nil { variables["CILO_COMPOSE"] = compose }
        return try Integration.run([Integration.ciloExecutable] + arguments, environment: variables,
                            directory: directory)
    }

    /// Starts cilo with `arguments` in the project folder with this CILO_HOME, its output
    /// discarded, and returns at once (the crash tests kill it at a moment of their choosing).
    func startCilo(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Integration.ciloExecutable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(["CILO_HOME": home]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A DNS port for this test: random, free on 127.0.0.1.
    static func freePort() -> Int {
        while true {
            let port = Int.random(in: 20000...45000)
            if (try? Integration.run(["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', int(sys.argv[1])))", "\(port)"]))?.status == 0 {
                return port
            }
        }
    }

    /// Asks cilo's DNS server on `port` for `name`: the addresses, or "NXDOMAIN"/"REFUSED".
    static func dig(_ name: String, port: Int) throws -> String {
        let out = try Integration.check(["dig", "@127.0.0.1", "-p", "\(port)", "+tries=1", "+time=2", name])
        if let status = out.split(separator: "\n").first(where: { $0.contains("status:") }), !status.contains("NOERROR") {
            return status.contains("NXDOMAIN") ? "NXDOMAIN" : (status.contains("REFUSED") ? "REFUSED" : String(status))
        }
        return try Integration.check(["dig", "@127.0.0.1", "-p", "\(port)", "+short", "+tries=1", "+time=2", name])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs several cilo commands at once, as separate processes all started before any is
    /// waited for (a thread pool would run only as many at once as there are CPUs), and returns
    /// their results in order. Output goes to files, so no process blocks on a full pipe.
    func ciloConcurrently(_ commands: [[String]]) throws -> [(status: Int32, out: String, err: String)] {
        let folder = try Integration.temporaryDirectory("concurrent-\(project)")
        defer { Integration.removeTemporary(folder) }
        var started: [(process: Process, out: String, err: String)] = []
        for (index, arguments) in commands.enumerated() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Integration.ciloExecutable)
            process.arguments = arguments
            var variables = ["CILO_HOME": home]
            if let compose { variables["CILO_COMPOSE"] = compose }
            process.environment = ProcessInfo.processInfo.environment.merging(variables) { $1 }
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let out = folder + "/\(index).out", err = folder + "/\(index).err"
            FileManager.default.createFile(atPath: out, contents: nil)
            FileManager.default.createFile(atPath: err, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
            started.append((process, out, err))
        }
        for entry in started { try entry.process.run() }
        return started.map { entry in
            entry.process.waitUntilExit()
            let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
            return (entry.process.terminationStatus, read(entry.out), read(entry.err))
        }
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
        _ = try? cilo(["dns", "stop"])
        if let left = try? Integration.run(["pgrep", "-f", home + "/dns/"]), !left.out.isEmpty {
            Issue.record("dnsmasq processes left running: \(left.out)")
        }
        let filter = "label=dev.cilo.project=\(project)"
        _ = try? Integration.run(["sh", "-c", "docker ps -aq --filter \(filter) | xargs -r docker rm -f -v; docker volume ls -q --filter \(filter) | xargs -r docker volume rm -f; docker network ls -q --filter \(filter) | xargs -r docker network rm"])
        Integration.removeTemporary((directory as NSString).deletingLastPathComponent)
    }

    /// `cilo list --json` as objects.
    func list() throws -> [[String: Any]] {
        let result = try cilo(["list", "--json"])
        return try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]] ?? []
    }
}
