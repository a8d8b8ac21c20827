@testable import CiloCore
import Foundation
import Testing

/// Engine addresses, the ssh command line, and quoting for the engine's shell.
@Suite("Engines: addresses and command lines")
struct EngineTests {
    @Test("ssh addresses: user, host, port; the default folder")
    func addresses() throws {
        let full = try Engine.parse(name: "big", url: "ssh://agent@10.0.0.7:2222", home: "/srv/cilo")
        #expect(full.destination == "agent@10.0.0.7" && full.port == 2222 && full.home == "/srv/cilo")
        let plain = try Engine.parse(name: "b2", url: "ssh://build-host.example", home: nil)
        #expect(plain.destination == "build-host.example" && plain.port == nil && plain.home == ".cilo-engine")
        #expect(plain.sshArguments("true").suffix(2) == ["build-host.example", "true"])
        #expect(full.sshArguments("true", terminal: true).contains("-t") && full.sshArguments("true").contains("2222"))
    }

    @Test("refused: a bad name, another scheme, a bad port, an option smuggled as host, a folder with a quote", arguments: [
        ("local", "ssh://h", nil as String?, "engine name 'local'"),
        ("Bad Name", "ssh://h", nil, "engine name 'Bad Name'"),
        ("e", "http://h", nil, "'http://h' is not ssh://"),
        ("e", "ssh://h:99999", nil, "has a bad port"),
        ("e", "ssh://-oProxyCommand=x", nil, "is not ssh://"),
        ("e", "ssh://h/path", nil, "is not ssh://"),
        ("e", "ssh://h", "it's", "--home 'it's'"),
    ])
    func refused(name: String, url: String, home: String?, message: String) {
        #expect {
            try Engine.parse(name: name, url: url, home: home)
        } throws: { error in
            (error as? CiloError)?.description.contains(message) == true
        }
    }

    @Test("the remote cilo command line quotes every argument for the engine's shell")
    func commandLine() throws {
        let engine = try Engine.parse(name: "e", url: "ssh://h", home: "/srv/c")
        let line = RemoteEngine(engine: engine).ciloCommandLine(["run", "sh", "a1", "-c", "echo 'hi' $HOME; rm -rf /"], project: "shop")
        #expect(line == #"cd '/srv/c'/sources/'shop' && CILO_HOME='/srv/c'/home CILO_VIA_SSH=1 CILO_OUTER_LD_LIBRARY_PATH="${LD_LIBRARY_PATH-}" "#
            + #"LD_LIBRARY_PATH='/srv/c'/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec '/srv/c'/bin/cilo 'run' 'sh' 'a1' '-c' 'echo '\''hi'\'' $HOME; rm -rf /'"#)
        let relative = try Engine.parse(name: "e", url: "ssh://h", home: nil)
        #expect(RemoteEngine(engine: relative).ciloCommandLine(["list"], project: nil).hasPrefix(#"cd "$HOME"/'.cilo-engine' && "#))
    }

    @Test("room: the reserve and the plan decide; auto ranks by memory above the reserve")
    func room() {
        var room = EngineRoom(environments: 2, running: 2, memoryAvailableBytes: 5 << 30, memoryBytes: 16 << 30, cpus: 4)
        #expect(room.hasRoom && room.spareMemoryBytes == (5 << 30) - (16 << 30) / 10)
        room.planFits = 0
        #expect(!room.hasRoom)
        room.planFits = nil
        room.memoryAvailableBytes = 1 << 30
        #expect(!room.hasRoom, "below the reserve")
    }

    @Test("cilo's own sync: a source's list reads back as written; a list naming a path outside, or cut off, is refused")
    func mirrorList() throws {
        var encoded: [UInt8] = []
        let entries = [
            SourceMirror.Entry(kind: .directory, permissions: 0o750, size: 0, modified: 0, path: Array("a".utf8)),
            SourceMirror.Entry(kind: .file, permissions: 0o644, size: 12, modified: 1_700_000_000, path: Array("a/sp ace\nx\u{FF}".utf8)),
            SourceMirror.Entry(kind: .symbolicLink, permissions: 0o777, size: 0, modified: 0, path: Array("a/l".utf8), target: Array("../b".utf8)),
        ]
        for entry in entries { SourceMirror.encode(entry, into: &encoded) }
        #expect(try SourceMirror.decode(encoded) == entries)
        #expect(try SourceMirror.decode([]) == [])
        for bad in ["../etc/passwd", "a/../../x", "/abs", "a//b", "./a"] {
            var hostile: [UInt8] = []
            SourceMirror.encode(SourceMirror.Entry(kind: .file, permissions: 0o644, size: 1, modified: 1, path: Array(bad.utf8)), into: &hostile)
            #expect(throws: CiloError.self, "\(bad)") { try SourceMirror.decode(hostile) }
        }
        #expect(throws: CiloError.self) { try SourceMirror.decode(Array(encoded.dropLast(2))) }
    }

    @Test("an engine gets the project's folder only: a compose file named outside it is refused before anything is sent")
    func composeFilesInsideTheFolder() throws {
        var project = Project(name: "shop", root: "/srv/shop", composeFiles: ["compose.yml", "deploy/../ops/compose.override.yml", "/srv/shop/x.yml"])
        try RemoteEnvironments.checkSyncable(project)
        for outside in ["../shared/compose.yml", "/etc/compose.yml", "ops/../../shop2/compose.yml"] {
            project.composeFiles = [outside]
            #expect(throws: CiloError.self, "\(outside)") { try RemoteEnvironments.checkSyncable(project) }
        }
    }
}
