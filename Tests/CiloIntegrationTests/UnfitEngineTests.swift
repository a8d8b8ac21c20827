import Foundation
import Testing

/// Remotes unfit to be engines, without a machine to reach: a stand-in "ssh" runs the remote
/// side here, with only the tools a case gives it.
@Suite("Engines that cannot hold environments")
struct UnfitEngineTests {
    /// An "ssh" that runs the remote command here with PATH limited to `bin`: a remote that lacks
    /// a tool, or says another architecture, without a machine to reach.
    /// `withoutSwift`: the remote has no Swift runtime (the folder this cilo loads it from is
    /// empty there) and its tar unpacks nothing, so the runtime cilo sends never arrives.
    private func fakeRemote(_ folder: String, tools: [String], uname: String? = nil, dockerWithoutCompose: Bool = false,
                            withoutSwift: Bool = false) throws -> String {
        let bin = folder + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        if dockerWithoutCompose {
            // Docker finds its compose plugin whatever PATH says: this docker has none.
            let docker = try Integration.check(["sh", "-c", "command -v docker"]).trimmingCharacters(in: .whitespacesAndNewlines)
            try "#!/bin/sh\n[ \"$1\" = compose ] && exit 1\nexec \(docker) \"$@\"\n".write(toFile: bin + "/docker", atomically: true, encoding: .utf8)
            _ = try Integration.check(["chmod", "755", bin + "/docker"])
        }
        for tool in tools {
            let path = try Integration.check(["sh", "-c", "command -v \(tool)"]).trimmingCharacters(in: .whitespacesAndNewlines)
            try FileManager.default.createSymbolicLink(atPath: bin + "/" + tool, withDestinationPath: path)
        }
        if let uname {
            try "#!/bin/sh\necho \(uname)\n".write(toFile: bin + "/uname", atomically: true, encoding: .utf8)
            _ = try Integration.check(["chmod", "755", bin + "/uname"])
        }
        let ssh = folder + "/fake-ssh"
        var hide = ""
        if withoutSwift {
            try "#!/bin/sh\ncat >/dev/null\n".write(toFile: bin + "/tar", atomically: true, encoding: .utf8)
            _ = try Integration.check(["chmod", "755", bin + "/tar"])
            let core = try Integration.check(["sh", "-c", "ldd \(Integration.ciloExecutable) | awk '$1 == \"libswiftCore.so\" {print $3}'"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let runtime = try #require(core.isEmpty ? nil : (core as NSString).deletingLastPathComponent, "this cilo links Swift's runtime")
            hide = "unshare -m --propagation private sh -c 'mount -t tmpfs no-swift \(runtime) && exec \"$@\"' hide "
        }
        try "#!/bin/sh\nfor last; do :; done\nexec \(hide)env -i PATH=\(bin) HOME=\(folder) /bin/sh -c \"$last\"\n".write(toFile: ssh, atomically: true, encoding: .utf8)
        _ = try Integration.check(["chmod", "755", ssh])
        return ssh
    }

    @Test("a remote without Docker, without Compose, or of another architecture: one line naming the engine and the cause",
          .enabled(if: Integration.canRun(needing: RemoteEngineTests.tools)))
    func unfitRemotes() throws {
        try EnvironmentTests.requireDocker()
        let demo = try DemoEnvironment()
        defer { demo.tearDown() }
        let folder = try Integration.temporaryDirectory("fake-remote")
        defer { Integration.removeTemporary(folder) }
        let base = ["uname", "head", "cat", "mkdir", "chmod", "mv"]
        let cases: [([String], String?, Bool, String)] = [
            (base + ["rsync"], nil, false, "no Docker engine answers there"),
            (base + ["rsync"], nil, true, "Compose is not installed there"),
            (base + ["rsync", "docker"], "riscv64", false, "is riscv64, this cilo is built for"),
        ]
        for (index, (tools, uname, noCompose, expected)) in cases.enumerated() {
            let ssh = try fakeRemote(folder + "/\(index)", tools: tools, uname: uname, dockerWithoutCompose: noCompose)
            let added = try demo.cilo(["engines", "add", "e\(index)", "ssh://somewhere"], environment: ["CILO_SSH": ssh])
            Integration.expectOneLineError(added, mentioning: ["engine e\(index)", expected])
        }
        #expect(!FileManager.default.fileExists(atPath: demo.home + "/engines.json"), "no engine was added")
        // cilo's binary cannot start there: said in one line, and what cilo put there goes again.
        let ssh = try fakeRemote(folder + "/nort", tools: base + ["docker", "rm"], withoutSwift: true)
        let added = try demo.cilo(["engines", "add", "nort", "ssh://somewhere"], environment: ["CILO_SSH": ssh])
        Integration.expectOneLineError(added, mentioning: ["engine nort", "does not run there", "error while loading shared libraries"])
        #expect(!FileManager.default.fileExists(atPath: folder + "/nort/.cilo-engine/bin/cilo"), "the binary went again")
        #expect(!FileManager.default.fileExists(atPath: folder + "/nort/.cilo-engine/lib"))
    }
}
