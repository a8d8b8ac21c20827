import Foundation
import Testing

/// `cilo ui` in a real browser: Debian's chromium, headless, driven by Playwright from PyPI
/// (scripts/bootstrap installs both), against two running environments on a real Docker engine.
@Suite("cilo ui in a real browser", .serialized)
struct UITests {
    static var tools: [String] { EnvironmentTests.tools + [MCPTests.python, "/usr/bin/chromium"] }

    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/ui_browser.py").path

    /// Where the screenshots are kept: `.build/test-artifacts/` of the checkout.
    static let artifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/test-artifacts").path

    /// The demo's web service and one that logs a line a second (the page streams logs).
    static let compose = """
        services:
          web:
            image: cilo-test/busybox
            init: true
            command: ["sh", "-c", "mkdir -p /www && echo \\"hello from $${CILO_ENV:-none}\\" > /www/index.html && exec httpd -f -p 80 -h /www"]
            environment:
              CILO_ENV: ${CILO_ENV:-none}
            ports:
              - "8080:80"
            labels:
              dev.cilo.ingress: "true"
          talker:
            image: cilo-test/busybox
            init: true
            command: ["sh", "-c", "i=0; while [ $$i -lt 100000 ]; do echo \\"tick $$i\\"; i=$$((i+1)); sleep 1; done"]

        """

    @Test("the page lists two running environments with URLs and disk, shows a new file in the diff within 5 s, destroys one after its confirmation; no token or a foreign Host is refused",
          .enabled(if: Integration.canRun(needing: tools)))
    func dashboard() throws {
        try Integration.require(Self.tools)
        try EnvironmentTests.requireDocker()
        let check = try Integration.run([MCPTests.python, "-c", "import playwright"])
        guard check.status == 0 else {
            Issue.record("\(MCPTests.python) has no playwright package: run scripts/bootstrap (\(check.err))")
            return
        }
        let demo = try DemoEnvironment(composeOverride: Self.compose)
        defer { demo.tearDown() }
        for command in [["init", "-q"], ["add", "-A"], ["-c", "user.email=test@cilo", "-c", "user.name=test", "commit", "-qm", "demo"]] {
            try Integration.check(["git", "-C", demo.directory] + command)
        }
        for env in ["kept", "doomed"] {
            let up = try demo.cilo(["up", env])
            #expect(up.status == 0, "\(up.err)")
        }
        let result = try Integration.run(
            [MCPTests.python, Self.client, Integration.ciloExecutable, demo.directory, "kept", "doomed", Self.artifacts],
            environment: ["CILO_HOME": demo.home], directory: demo.directory)
        #expect(result.status == 0, "\(result.out)\n\(result.err.suffix(4000))")
        #expect(FileManager.default.fileExists(atPath: Self.artifacts + "/cilo-ui.png"), "the screenshot is kept")
        let left = try demo.list().compactMap { $0["name"] as? String }
        #expect(left == ["kept"], "\(left)")
        let doomed = try Integration.check(["docker", "ps", "-aq", "--filter", "label=dev.cilo.project=\(demo.project)", "--filter", "label=dev.cilo.env=doomed"])
        #expect(doomed.isEmpty, "the destroyed environment's containers are gone from Docker")
    }
}
