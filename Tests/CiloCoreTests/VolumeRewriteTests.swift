@testable import CiloCore
import CiloSystem
import Foundation
import Testing
import Yams

/// Named volumes in the isolated model: kept in cilo's home, bound by the local driver; what
/// cannot be is left to Docker and said; a volume bound to a host folder is judged as a bind.
@Suite("Volumes in the compose rewrite")
struct VolumeRewriteTests {
    static let folder = "/h/volumes/shop/a1"

    private func rewrite(_ yaml: String) throws -> (ComposeIsolation.Result, [String: Any]) {
        let model = try #require(try Yams.compose(yaml: yaml))
        var isolation = ComposeIsolation(
            project: "shop", env: "a1", home: "/h", subnet: Subnet("10.224.7.0/24"),
            paths: ComposePaths(workspace: "/h/envs/shop/a1", source: "/src/shop", home: "/h"))
        isolation.volumeFolder = Self.folder
        let result = try isolation.apply(to: model)
        let output = try #require(try Yams.load(yaml: try Yams.serialize(node: result.model)) as? [String: Any])
        return (result, output)
    }

    private func volume(_ output: [String: Any], _ name: String) throws -> [String: Any] {
        try #require((output["volumes"] as? [String: Any])?[name] as? [String: Any])
    }

    @Test("a plain named volume is bound to its folder in cilo's home, labelled; external, optioned and other drivers are Docker's")
    func kinds() throws {
        let (result, output) = try rewrite("""
            services:
              db:
                image: postgres
                volumes: ["pgdata:/var/lib/postgresql/data", "cache:/cache", "shared:/shared", "nfs:/nfs", "tmp:/tmp"]
            volumes:
              pgdata: {}
              cache:
                driver: local
                labels: {team: data}
              shared:
                external: true
              nfs:
                driver: some-nfs-plugin
              tmp:
                driver_opts: {type: tmpfs, device: tmpfs}
            """)
        #expect(result.volumes.sorted() == ["cache", "pgdata"])
        let pgdata = try volume(output, "pgdata")
        #expect(pgdata["driver"] as? String == "local")
        #expect(pgdata["driver_opts"] as? [String: String] == ["type": "none", "o": "bind", "device": Self.folder + "/pgdata"])
        #expect((pgdata["labels"] as? [String: String])?["dev.cilo.env"] == "a1")
        #expect((try volume(output, "cache")["labels"] as? [String: String])?["team"] == "data")
        #expect(try volume(output, "shared")["driver_opts"] == nil)
        #expect(try volume(output, "nfs")["driver_opts"] == nil)
        #expect((try volume(output, "tmp")["driver_opts"] as? [String: String])?["type"] == "tmpfs")
        #expect(result.warnings.contains { $0.contains("volume nfs uses the some-nfs-plugin driver") })
        #expect(result.warnings.contains { $0.contains("volume tmp has driver options of its own") })
    }

    @Test("a volume the workspace binds to a host folder is a host power; cilo's own binding is not")
    func boundVolumesAreBinds() throws {
        let (result, _) = try rewrite("""
            services:
              app:
                image: a
                volumes: ["root:/host", "mine:/data", "sneaky:/other", "inside:/inside"]
            volumes:
              root:
                driver_opts: {type: none, o: bind, device: /}
              mine: {}
              sneaky:
                driver_opts: {type: none, o: bind, device: /h/envs/shop/a1/../../../volumes/shop/b1/data}
              inside:
                driver_opts: {type: none, o: bind, device: /h/envs/shop/a1/data}
            """)
        let powers = HostPower.find(in: result.model, root: "/h/envs/shop/a1", ownVolumes: Self.folder).map(\.description).sorted()
        #expect(powers.contains("volume root: bind /"))
        #expect(!powers.contains { $0.hasPrefix("volume mine") })
        #expect(!powers.contains { $0.hasPrefix("volume inside") })
        #expect(powers.contains { $0.hasPrefix("volume sneaky") } || result.warnings.contains { $0.contains("sneaky") })
    }

    @Test("a volume name that cannot be a folder's stays Docker's, said")
    func unusableName() throws {
        #expect(ComposeIsolation.isFolderName("pg-data_1.x"))
        #expect(!ComposeIsolation.isFolderName(".."))
        #expect(!ComposeIsolation.isFolderName("a/b"))
        #expect(!ComposeIsolation.isFolderName(""))
    }

    @Test("a fork's manifest: unchanged entries take the copy's status, changed ones keep theirs, added ones none")
    func forkedManifest() throws {
        func stamp(_ inode: UInt64, size: Int64 = 1) -> TreeManifest.Stamp {
            TreeManifest.Stamp(kind: 1, mode: 0o644, size: size, modified: FileTime(seconds: 1, nanoseconds: 0), changed: FileTime(seconds: 1, nanoseconds: 0), inode: inode)
        }
        var made = TreeManifest()
        made.entries[Array("same".utf8)] = (stamp(10), stamp(1))
        made.entries[Array("edited".utf8)] = (stamp(11), stamp(2))
        made.entries[Array("deleted".utf8)] = (stamp(12), stamp(3))
        var copy = TreeManifest()
        copy.entries[Array("same".utf8)] = (stamp(20), stamp(10))
        copy.entries[Array("edited".utf8)] = (stamp(21, size: 9), stamp(11, size: 9))
        copy.entries[Array("added".utf8)] = (stamp(22), stamp(13))
        let fork = made.forked(by: copy)
        #expect(fork.entries[Array("same".utf8)]?.workspace == stamp(20) && fork.entries[Array("same".utf8)]?.source == stamp(1))
        #expect(fork.entries[Array("edited".utf8)]?.workspace == stamp(11), "still shows as changed")
        #expect(fork.entries[Array("deleted".utf8)] != nil, "still shows as deleted")
        #expect(fork.entries[Array("added".utf8)] == nil, "still shows as added")
    }

    @Test("the workspace folders services can write: writable binds inside it, files as their folder, the whole of it as nil")
    func writableFolders() throws {
        let root = NSTemporaryDirectory() + "cilo-binds-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let workspace = root + "/ws"
        try FileManager.default.createDirectory(atPath: workspace + "/data/deep", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: workspace + "/conf", withIntermediateDirectories: true)
        try "x".write(toFile: workspace + "/conf/app.ini", atomically: true, encoding: .utf8)
        func folders(_ volumes: String) throws -> [String]? {
            let file = root + "/compose.yml"
            try "services:\n  a:\n    image: x\n    volumes:\n\(volumes)".write(toFile: file, atomically: true, encoding: .utf8)
            return WorkspaceBinds.writableFolders(composeFile: file, workspace: workspace)
        }
        #expect(try folders("      - \(workspace)/data:/data\n      - \(workspace)/data/deep:/deep\n      - \(workspace)/conf/app.ini:/app.ini\n      - named:/n\n") == ["conf", "data"])
        #expect(try folders("      - \(workspace)/data:/data:ro\n      - {type: bind, source: \(workspace)/conf, target: /c, read_only: true}\n") == [])
        #expect(try folders("      - /elsewhere:/e\n") == [])
        #expect(try folders("      - \(workspace):/app\n") == nil, "the whole workspace: all of it copied frozen")
        #expect(try folders("      - \(workspace)/../ws/data:/x\n") == nil)
    }
}
