import Foundation
import Testing

/// cilo killed outright (`kill -9`) at random moments of fork, checkpoint and restore: after
/// `cilo doctor --fix` the source runs, unfrozen and whole, and every fork and checkpoint is
/// whole or absent.
@Suite("Forks killed at random moments", .serialized)
struct ForkCrashTests {
    @Test("20 kills and more Ctrl-Cs during fork, checkpoint and restore; Ctrl-C thaws at once, doctor --fix after kills; forks and checkpoints whole or gone",
          .enabled(if: Integration.canRun(needing: ["docker"])))
    func killedAtRandom() throws {
        try Integration.require(["docker"])
        let demo = try DemoEnvironment(composeOverride: ForkTests.compose)
        defer { demo.tearDown() }
        try #require(try demo.cilo(["up", "a1"]).status == 0)
        // Enough data that a kill can land mid-copy.
        let filled = try ForkTests.exec(demo, "a1", "mkdir -p /data/rows && for i in $(seq 1 1500); do echo row $i > /data/rows/$i; done; echo whole > /data/marker")
        try #require(filled.status == 0, "\(filled.err)")
        try #require(try demo.cilo(["checkpoint", "a1", "base"]).status == 0)
        var generator = SeededGenerator(for: "forks killed at random")
        var kills = 0
        for round in 0..<90 where kills < 20 {
            let operations: [[String]] = [["fork", "a1", "f\(round)", "--no-up"], ["checkpoint", "a1", "c\(round)"], ["restore", "a1", "base", "--discard"]]
            let arguments = operations[Int.random(in: 0..<operations.count, using: &generator)]
            let process = try demo.startCilo(arguments)
            usleep(UInt32.random(in: 20_000...900_000, using: &generator))
            // Every third run gets Ctrl-C instead: cilo stops by itself, and thaws before it exits.
            let interrupted = round % 3 == 2
            if process.isRunning {
                kill(process.processIdentifier, interrupted ? SIGINT : SIGKILL)
                if !interrupted { kills += 1 }
            }
            process.waitUntilExit()
            if interrupted {
                let paused = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "status=paused"])
                #expect(paused.isEmpty, "Ctrl-C left services frozen (\(arguments.joined(separator: " ")))")
            }
            // What a killed cilo's children (compose) still do ends on its own: give it a moment.
            usleep(300_000)
        }
        #expect(kills == 20, "only \(kills) runs were still going when killed")
        var fixed = try demo.cilo(["doctor", "--fix"])
        if fixed.status != 0 { fixed = try demo.cilo(["doctor", "--fix"]) }
        #expect(fixed.status == 0, "problems remain after doctor --fix: \(fixed.out)")
        #expect(try demo.cilo(["up", "a1"]).status == 0)
        let halfMade = try Integration.check(["find", demo.home, "-maxdepth", "4", "(", "-name", "*.partial", "-o", "-name", "*.restoring", ")"])
        #expect(halfMade.isEmpty, "half-made copies left: \(halfMade)")

        let paused = try Integration.check(["docker", "ps", "-q", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "status=paused"])
        #expect(paused.isEmpty, "nothing stays frozen")
        #expect(try ForkTests.exec(demo, "a1", "cat /data/marker; ls /data/rows | wc -l").out == "whole\n1500\n", "the source is whole")
        for entry in try demo.list() {
            guard let name = entry["name"] as? String, name != "a1" else { continue }
            #expect(["created", "running", "stopped"].contains(entry["status"] as? String ?? ""), "\(name) is \(entry["status"] ?? "")")
            let volume = demo.home + "/volumes/\(demo.project)/\(name)/data"
            #expect((try? String(contentsOfFile: volume + "/marker", encoding: .utf8)) == "whole\n", "fork \(name) is whole")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: volume + "/rows")) ?? []).count == 1500, "fork \(name) has every row")
        }
        let listed = try demo.cilo(["checkpoints", "a1", "--json"])
        let checkpoints = (try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(checkpoints.contains("base"))
        // `initial` is the first up's state, before the marker.
        for name in checkpoints where name != "initial" {
            let folder = demo.home + "/checkpoints/\(demo.project)/a1/\(name)"
            #expect((try? String(contentsOfFile: folder + "/volumes/data/marker", encoding: .utf8)) == "whole\n", "checkpoint \(name) is whole")
        }
    }
}
