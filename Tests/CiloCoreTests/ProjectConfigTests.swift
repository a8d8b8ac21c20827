@testable import CiloCore
import Foundation
import Testing

/// `.cilo/config.yml` in the original Cilo's format, its `env:` rules, env files and `cilo setup`.
@Suite("The original Cilo's project config")
struct ProjectConfigTests {
    private func folder() throws -> String {
        let path = "/tmp/cilo-config-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path + "/.cilo", withIntermediateDirectories: true)
        return path
    }

    @Test("every key the original's setup writes, and its env: block, load unchanged")
    func originalFormat() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try """
            project: shop
            build_tool: docker
            compose_files: [docker-compose.yml]
            env_files: [.env, config/extra.env]
            dns_suffix: .test
            default_environment: dev
            default_ingress_service: api
            hostnames: [admin]
            environments: [dev, agent-1]
            copy_dot_dirs: [.cilo]
            ignore_dot_dirs: [.cache]
            env:
              init_hook: ./scripts/pull-secrets.sh
              copy_mode: allowlist
              copy: [".env", ".env.local"]
              ignore: [".env.production"]
              render:
                - file: config/app.env
                  tokens: true
                  replace:
                    - {from: "http://localhost:3000", to: "${CILO_BASE_URL}"}
            """.write(toFile: root + "/.cilo/config.yml", atomically: true, encoding: .utf8)
        let config = try ProjectConfig.load(root + "/.cilo/config.yml")
        #expect(config.project == "shop" && config.buildTool == "docker" && config.dnsSuffix == ".test")
        #expect(config.envFiles == [".env", "config/extra.env"] && config.defaultIngressService == "api")
        #expect(config.excludePatterns == [".cache"])
        #expect(config.env.initHook == "./scripts/pull-secrets.sh" && config.env.copyMode == .allowlist)
        #expect(config.env.copy == [".env", ".env.local"] && config.env.ignore == [".env.production"])
        #expect(config.env.render.first?.file == "config/app.env" && config.env.render.first?.tokens == true)
        #expect(config.env.render.first?.replace.first?.to == "${CILO_BASE_URL}")
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/shop/.cilo/config.yml").path
        #expect(try ProjectConfig.load(shipped).env.render.count == 1)
    }

    @Test("an unknown key at any level is an error naming it", arguments: [
        ("envv: {}\n", "unknown setting 'envv'"),
        ("env: {init_hok: x}\n", "unknown setting 'env.init_hok'"),
        ("env: {render: [{file: a, token: true}]}\n", "unknown setting 'env.render.token'"),
        ("env: {copy_mode: some}\n", "env.copy_mode: 'some'"),
        ("env: {render: [{file: ../../etc/passwd}]}\n", "must be a path inside the project"),
        ("env_files: [/etc/shadow]\n", "must be a path inside the project"),
        ("shared_grace: -1\n", "shared_grace: '-1' is not a number of seconds"),
        ("shared_grace: soon\n", "shared_grace: 'soon'"),
        ("trust_workspace: [everything]\n", "trust_workspace: 'everything' is not one of all, bind"),
        ("x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            + "x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\nx-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nx-f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
         "aliases expand to more than"),
    ])
    func unknownKeys(text: String, mentioned: String) throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try text.write(toFile: root + "/.cilo/config.yml", atomically: true, encoding: .utf8)
        #expect {
            try ProjectConfig.load(root + "/.cilo/config.yml")
        } throws: { error in
            (error as? CiloError)?.description.contains(mentioned) == true
        }
    }

    @Test("render rules: replacements with tokens on both sides, then tokens; a missing file is a note")
    func renderRules() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/config", withIntermediateDirectories: true)
        try "URL=http://localhost:3000\nENV=${CILO_ENV}\n".write(toFile: root + "/config/app.env", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: root + "/config/app.env")
        var rules = WorkspaceRules()
        var rule = WorkspaceRules.RenderRule(file: "config/app.env")
        rule.tokens = true
        rule.replace = [("http://localhost:3000", "${CILO_BASE_URL}")]
        rules.render = [rule, WorkspaceRules.RenderRule(file: "config/missing.env")]
        let preparation = WorkspacePreparation(
            rules: rules, workspace: root, tokens: ["CILO_ENV": "a1", "CILO_BASE_URL": "http://shop.a1.test"])
        let notes = try preparation.renderFiles()
        #expect(try String(contentsOfFile: root + "/config/app.env", encoding: .utf8) == "URL=http://shop.a1.test\nENV=a1\n")
        #expect((try FileManager.default.attributesOfItem(atPath: root + "/config/app.env")[.posixPermissions] as? Int) == 0o600)
        #expect(notes.count == 1 && notes[0].contains("config/missing.env"))
    }

    @Test("the .env copy policy: allowlist and ignore globs, .git and .cilo not looked into")
    func envFilePolicy() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for path in [".env", ".env.local", ".env.production", "svc/.env", "svc/.env.secret", ".git/.env", ".cilo/.env.keep"] {
            try FileManager.default.createDirectory(atPath: (root + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "X=1\n".write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
        }
        var rules = WorkspaceRules()
        rules.copyMode = .allowlist
        rules.copy = [".env", ".env.local", ".env.production"]
        rules.ignore = [".env.production"]
        let removed = try WorkspacePreparation(rules: rules, workspace: root, tokens: [:]).filterEnvFiles().sorted()
        #expect(removed == [".env.production", "svc/.env.secret"], "\(removed)")
        for kept in [".env", ".env.local", "svc/.env", ".git/.env", ".cilo/.env.keep"] {
            #expect(FileManager.default.fileExists(atPath: root + "/" + kept), "\(kept)")
        }
    }

    @Test("env files: comments, export, quotes; the shell's own variables win")
    func envFiles() throws {
        let pairs = EnvFile.parse("# c\nexport A=1\nB = \"two words\"\nC='x'\n\nnot a pair\n")
        #expect(pairs.map { "\($0.key)=\($0.value)" } == ["A=1", "B=two words", "C=x"])
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "PORT=3000\nHOME=/nope\n".write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        #expect(try EnvFile.variables([".env"], workspace: root, shell: ["HOME": "/root"]) == ["PORT": "3000"])
        #expect(throws: CiloError.self) { try EnvFile.variables(["missing.env"], workspace: root, shell: [:]) }
    }

    @Test("cilo setup writes a config both tools read; it refuses to replace one without --force")
    func setup() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "services: {web: {image: a}}\n".write(toFile: root + "/compose.yaml", atomically: true, encoding: .utf8)
        try "A=1\n".write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        let path = try ProjectSetup.write(in: root, name: "shop", composeFiles: [], envFiles: [".env"], buildTool: "docker",
                                          defaultEnvironment: "dev", dnsSuffix: ".test", force: false)
        let config = try ProjectConfig.load(path)
        #expect(config.project == "shop" && config.composeFiles == ["compose.yaml"] && config.envFiles == [".env"])
        #expect(config.copyDotDirs == [".cilo"] && config.defaultEnvironment == "dev")
        #expect(throws: CiloError.self) {
            try ProjectSetup.write(in: root, name: "shop", composeFiles: [], envFiles: [], buildTool: "docker",
                                   defaultEnvironment: "dev", dnsSuffix: "", force: false)
        }
        #expect(throws: CiloError.self) {
            try ProjectSetup.write(in: root, name: "shop", composeFiles: ["nope.yml"], envFiles: [], buildTool: "docker",
                                   defaultEnvironment: "dev", dnsSuffix: "", force: true)
        }
    }
}
