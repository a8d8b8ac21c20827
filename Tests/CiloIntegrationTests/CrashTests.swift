import Foundation
import Testing

/// cilo killed outright (`kill -9`) at random moments of create, up, run and destroy: after
/// `cilo doctor --fix`, every environment is whole or entirely gone.
@Suite("Killed at random moments", .serialized)
struct CrashTests {
    /// Pids of `pid`'s direct children.
    private func children(of pid: Int32) -> [Int32] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0) }
    }

    /// Waits (bounded) until the processes a killed cilo left (compose, docker) have ended on their own.
    private func waitForOrphans(_ pids: [Int32]) {
        for _ in 0..<600 {
            if pids.allSatisfy({ kill($0, 0) != 0 }) { return }
            usleep(100_000)
        }
    }

    @Test("20 kills during create, up, run and destroy; doctor --fix leaves every environment whole or gone",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func killedAtRandom() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        // A workspace big enough that a kill can land mid-clone.
        _ = try Integration.check(["sh", "-c", "mkdir -p '\(demo.directory)/deps' && for i in $(seq 1 3000); do echo $i > '\(demo.directory)/deps/f'$i; done"])
        let names = ["k1", "k2", "k3", "k4"]
        var generator = SeededGenerator(for: "killed at random")
        var kills = 0
        // Until 20 runs were killed mid-way (a run may finish before its moment comes), bounded.
        for round in 0..<60 where kills < 20 {
            let env = names[round % names.count]
            let operations: [[String]] = [["create", env], ["up", env], ["run", "true", env], ["destroy", env, "--force"]]
            let arguments = operations[Int.random(in: 0..<operations.count, using: &generator)]
            let process = try demo.startCilo(arguments)
            usleep(UInt32.random(in: 30_000...1_200_000, using: &generator))
            let left = children(of: process.processIdentifier)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            waitForOrphans(left)
        }
        #expect(kills == 20, "only \(kills) runs were still going when killed")
        var fixed = try demo.cilo(["doctor", "--fix"])
        if fixed.status != 0 { fixed = try demo.cilo(["doctor", "--fix"]) }
        #expect(fixed.status == 0, "problems remain after doctor --fix: \(fixed.out)")

        let listed = try demo.list()
        for env in names {
            let workspace = demo.home + "/envs/\(demo.project)/\(env)"
            let filter = ["--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "label=dev.cilo.env=\(env)"]
            let volumes = try Integration.check(["docker", "volume", "ls", "-q"] + filter)
            let networks = try Integration.check(["docker", "network", "ls", "-q"] + filter)
            let containers = try Integration.check(["docker", "ps", "-aq"] + filter)
            guard let entry = listed.first(where: { $0["name"] as? String == env }) else {
                #expect(volumes.isEmpty && networks.isEmpty && containers.isEmpty, "\(env) is gone but left Docker objects")
                #expect(!FileManager.default.fileExists(atPath: workspace), "\(env) is gone but left its workspace")
                continue
            }
            let status = entry["status"] as? String ?? ""
            #expect(["created", "running", "stopped", "partial", "failed"].contains(status), "\(env) is \(status)")
            #expect(FileManager.default.fileExists(atPath: workspace + "/docker-compose.yml"), "\(env) lost its workspace")
            if status == "running" {
                #expect(!volumes.isEmpty && !networks.isEmpty, "\(env) runs without its volume or network")
                #expect(try demo.cilo(["exec", env, "db", "--", "cat", "/var/lib/db/rows"]).out.contains("demo rows"))
            }
        }
    }
}
