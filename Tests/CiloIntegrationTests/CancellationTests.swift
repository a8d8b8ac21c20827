import Foundation
import Testing

/// Ctrl-C while cilo makes or starts an environment: rolled back or stopped, exit 130, nothing half-made.
@Suite("Ctrl-C during create and up", .serialized)
struct CancellationTests {
    /// Runs cilo in the demo and sends it SIGINT, as a terminal's Ctrl-C would, once `ready`
    /// holds (for what it said so far, or the world).
    private func interrupted(
        _ demo: DemoEnvironment, _ arguments: [String], when ready: @escaping (String) -> Bool
    ) throws -> (status: Int32, out: String, err: String) {
        try Interrupter.run([Integration.ciloExecutable] + arguments, environment: ["CILO_HOME": demo.home], directory: demo.directory, when: ready)
    }

    /// Whether any container of `env` exists (compose up has begun making them).
    private static func hasContainer(_ demo: DemoEnvironment, _ env: String) -> Bool {
        let listed = try? Integration.check(["docker", "ps", "-aq", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "label=dev.cilo.env=\(env)"])
        return !(listed ?? "").isEmpty
    }

    @Test("Ctrl-C during create removes the partial workspace, record and subnet; during up stops what started",
          .enabled(if: Integration.canRun(needing: EnvironmentTests.tools)))
    func createAndUpInterrupted() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        // Enough files that the clone is still running when the signal lands.
        let generator = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/gen-tree").path
        _ = try Integration.check([generator, demo.directory + "/data", "--files", "30000", "--dirs", "300", "--total-bytes", "60000000"])

        // The signal lands once the clone has begun writing the workspace.
        let workspace = demo.home + "/envs/\(demo.project)/big"
        let create = try interrupted(demo, ["create", "big"]) { _ in
            ((try? FileManager.default.contentsOfDirectory(atPath: workspace)) ?? []).count > 0
        }
        #expect(create.status == 130, "exit \(create.status): \(create.err)")
        #expect(create.err.contains("cancelled; nothing of it was left"), "\(create.err)")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/big"), "no partial workspace")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/state/\(demo.project)/big.json"), "no record, so no subnet held")
        #expect(try demo.list().isEmpty)

        // Waiting for its turn behind another create's clone can be cancelled too.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(120)",
                            demo.home + "/locks/clone-turn.lock"]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        _ = output.fileHandleForReading.availableData
        let waiting = try interrupted(demo, ["create", "queued"]) { $0.contains("waiting while another environment's workspace is cloned") }
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(waiting.status == 130, "exit \(waiting.status): \(waiting.err)")
        #expect(waiting.err.contains("queued: waiting while another environment's workspace is cloned"), "\(waiting.err)")
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/envs/\(demo.project)/queued"))
        #expect(try demo.list().isEmpty)

        try FileManager.default.removeItem(atPath: demo.directory + "/data")
        #expect(try demo.cilo(["create", "slow"]).status == 0)
        // The signal lands once compose has made a container: while up starts or waits for health.
        let up = try interrupted(demo, ["up", "slow"]) { _ in Self.hasContainer(demo, "slow") }
        #expect(up.status == 130, "exit \(up.status): \(up.err)")
        #expect(up.err.contains("cancelled; its services were stopped"), "\(up.err)")
        let listed = try demo.list()
        #expect(listed.first?["status"] as? String == "stopped", "\(listed)")
        let running = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)"])
        #expect(running.isEmpty, "nothing left running: \(running)")
        #expect(try demo.cilo(["up", "slow"]).status == 0, "a later up starts it")
    }
}
