@testable import CiloCore
import CiloSystem
import Foundation
import Testing
import Yams

/// What cilo reads of the agent's files, as data: compose aliases, a repository's config, and
/// the time limits of the tools it runs.
@Suite("The agent's files read as data")
struct UntrustedInputTests {
    @Test("an alias bomb is over the expansion limit; a compose file with ordinary anchors and merge keys is not")
    func aliasExpansion() throws {
        var bomb = ["x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 { bomb.append("x-a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]") }
        let root = try #require(try Yams.compose(yaml: bomb.joined(separator: "\n")))
        #expect(YAMLExpansion.exceedsLimit(root))
        let ordinary = """
            x-common: &common
              image: busybox
              environment: {A: "1", B: "2"}
            services:
              web: {<<: *common, command: ["sleep", "1"]}
              worker: *common
            """
        #expect(!YAMLExpansion.exceedsLimit(try #require(try Yams.compose(yaml: ordinary))))
        // The limit counts expanded nodes: nine laughs of three levels are 1 + 9 + 81 + 729 and more.
        let small = try #require(try Yams.compose(yaml: bomb.prefix(4).joined(separator: "\n")))
        #expect(YAMLExpansion.exceedsLimit(small, limit: 700) && !YAMLExpansion.exceedsLimit(small, limit: 10_000))
    }

    @Test("a repository's config: the format is kept for cilo's own config; every key that runs a program is named")
    func repositoryConfiguration() {
        let listing = [
            "core.repositoryformatversion\n1", "extensions.objectformat\nsha256", "core.fsmonitor\ntouch /x",
            "filter.lfs.process\ngit-lfs filter-process", "diff.x.textconv\ncat", "merge.y.driver\nfalse",
            "includeif.gitdir:/x.path\n/y", "user.name\nagent", "remote.origin.url\n/elsewhere",
        ].map { Array($0.utf8) + [0] }.flatMap { $0 }
        let configuration = RepositoryConfiguration.parse(listing: listing)
        #expect(configuration.objectFormat == "sha256")
        #expect(configuration.drivers == ["core.fsmonitor", "filter.lfs.process", "diff.x.textconv", "merge.y.driver", "includeif.gitdir:/x.path"])
        #expect(configuration.cilosConfig.contains("objectformat = sha256") && configuration.cilosConfig.contains("repositoryformatversion = 1"))
        #expect(!configuration.cilosConfig.contains("fsmonitor") && !configuration.cilosConfig.contains("filter"))
        let plain = RepositoryConfiguration.parse(listing: Array("core.bare\nfalse".utf8) + [0])
        #expect(plain.drivers.isEmpty && plain.cilosConfig.contains("repositoryformatversion = 0") && !plain.cilosConfig.contains("[extensions]"))
    }

    @Test("each tool call gets its own limit: compose config, compose up, docker, git, anything else")
    func childLimits() {
        #expect(ChildLimit.forCall("docker", ["compose", "-p", "x", "-f", "a.yml", "config"]) == .composeConfig)
        #expect(ChildLimit.forCall("/usr/bin/docker-compose", ["-p", "x", "up", "-d"]) == .composeUp)
        #expect(ChildLimit.forCall("docker", ["inspect", "x"]) == .docker)
        #expect(ChildLimit.forCall("/usr/bin/git", ["status"]) == .git)
        #expect(ChildLimit.forCall("ssh", ["host", "true"]) == .tool)
        #expect(ChildLimit.composeConfig.defaultSeconds < ChildLimit.composeUp.defaultSeconds)
    }

    @Test("the host-reaching settings of a model: privileged, capabilities, devices (both syntaxes), host namespaces, unconfined options, sysctls, binds and files outside the project")
    func hostPowers() throws {
        let model = try #require(try Yams.compose(yaml: """
            services:
              web:
                image: x
                privileged: true
                cap_add: [CAP_SYS_ADMIN, net_admin]
                devices: ["/dev/kvm:/dev/kvm", {source: /dev/fuse, target: /dev/fuse}]
                pid: host
                network_mode: host
                userns_mode: host
                security_opt: ["seccomp:unconfined", "label=disable", "no-new-privileges:true"]
                sysctls: {net.core.somaxconn: "1"}
                volumes: ["/:/host", "/w/data:/data", {type: bind, source: /var/run/docker.sock, target: /s}, {type: volume, source: db, target: /db}]
              quiet:
                image: x
                volumes: ["/w/src:/src:ro"]
                ipc: shareable
            configs:
              app: {file: /etc/app.conf}
              local: {file: /w/app.conf}
            """))
        let found = HostPower.find(in: model, root: "/w").map(\.description).sorted()
        #expect(found == [
            "configs app: configs /etc/app.conf", "service web: bind /", "service web: bind /var/run/docker.sock", "service web: cap_add NET_ADMIN",
            "service web: cap_add SYS_ADMIN", "service web: devices /dev/fuse", "service web: devices /dev/kvm", "service web: network_mode host",
            "service web: pid host", "service web: privileged", "service web: security_opt label=disable",
            "service web: security_opt seccomp:unconfined", "service web: sysctls net.core.somaxconn", "service web: userns_mode host",
        ])
        let warnings = ComposeIsolation.privilegeWarnings("web", try #require(model.mapping?["services"]?.mapping?["web"]?.mapping))
        #expect(warnings.contains { $0.contains("host devices (/dev/fuse, /dev/kvm)") }, "the devices warning names devices: \(warnings)")
        #expect(warnings.contains { $0.contains("cap_add SYS_ADMIN") } && warnings.contains { $0.contains("seccomp:unconfined") })
    }

    @Test("a folder moved to the trash leaves its place at once and is removed there; what stays is listed and emptied later")
    func trash() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cilo-trash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let home = CiloHome(root: BytePath(root + "/home"))
        try FileManager.default.createDirectory(atPath: root + "/home/envs/p/e1/deep", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/home/envs/p/e1/deep/file", contents: Data("x".utf8))
        let parent = try PathOpening.openDirectory(Array((root + "/home/envs/p").utf8))
        defer { parent.closeIgnoringErrors() }
        try home.moveToTrash(FileName("e1"), in: parent)
        #expect(!FileManager.default.fileExists(atPath: root + "/home/envs/p/e1"))
        #expect(try home.trashed().isEmpty, "nothing wrote into it: removed there at once")
        try FileManager.default.createDirectory(atPath: root + "/home/trash/left/deep", withIntermediateDirectories: true)
        #expect(try home.trashed().map { Array($0.bytes) } == [Array("left".utf8)])
        #expect(try home.emptyTrash() == 0 && home.trashed().isEmpty)
    }
}
