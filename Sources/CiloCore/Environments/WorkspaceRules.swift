/// The original Cilo's `env:` block: what happens in a workspace before its services start.
public struct WorkspaceRules: Sendable, Equatable {
    /// Which `.env*` files a new workspace keeps.
    public enum CopyMode: String, Sendable {
        /// Every one (the default).
        case all
        /// None.
        case none
        /// Those matching `copy`.
        case allowlist
    }

    /// One file rewritten on every `up`.
    public struct RenderRule: Sendable, Equatable {
        public var file: String
        /// Expand `${CILO_PROJECT}`, `${CILO_ENV}`, `${CILO_DNS_SUFFIX}`, `${CILO_BASE_URL}`, `${CILO_WORKSPACE}`.
        public var tokens = false
        /// Literal replacements, applied first (tokens allowed on both sides).
        public var replace: [(from: String, to: String)] = []

        public static func == (left: RenderRule, right: RenderRule) -> Bool {
            left.file == right.file && left.tokens == right.tokens
                && left.replace.map { [$0.from, $0.to] } == right.replace.map { [$0.from, $0.to] }
        }
    }

    /// Run with `bash -lc` in the workspace before every start; a failure stops the start.
    public var initHook: String?
    public var copyMode = CopyMode.all
    /// Globs of `.env*` files kept in `allowlist` mode.
    public var copy: [String] = []
    /// Globs of `.env*` files never kept.
    public var ignore: [String] = []
    public var render: [RenderRule] = []

    /// Whether a new workspace's `.env*` files need looking at.
    var filtersEnvFiles: Bool { copyMode != .all || !ignore.isEmpty }

    static func read(_ block: [String: Any], _ reader: ConfigReader) throws(CiloError) -> WorkspaceRules {
        try reader.checkKeys(block, known: ["init_hook", "copy_mode", "copy", "ignore", "render"], within: "env")
        var rules = WorkspaceRules()
        rules.initHook = try reader.string(block, "init_hook", in: "env")
        if let mode = try reader.string(block, "copy_mode", in: "env") {
            guard let parsed = CopyMode(rawValue: mode) else { throw reader.error("env.copy_mode: '\(mode)' is not all, none or allowlist") }
            rules.copyMode = parsed
        }
        rules.copy = try reader.strings(block, "copy", in: "env") ?? []
        rules.ignore = try reader.strings(block, "ignore", in: "env") ?? []
        guard let entries = block["render"] else { return rules }
        guard let list = entries as? [Any] else { throw reader.error("env.render: must be a list of {file, tokens, replace}") }
        for entry in list {
            guard let map = entry as? [String: Any] else { throw reader.error("env.render: each entry must be a mapping with file:") }
            try reader.checkKeys(map, known: ["file", "tokens", "replace"], within: "env.render")
            guard let file = try reader.string(map, "file", in: "env.render"), !file.isEmpty else {
                throw reader.error("env.render: each entry needs file:")
            }
            try reader.checkRelative(file, "env.render.file")
            var rule = RenderRule(file: file)
            rule.tokens = try reader.bool(map, "tokens", in: "env.render") ?? false
            for replacement in map["replace"] as? [Any] ?? [] {
                guard let pair = replacement as? [String: Any] else { throw reader.error("env.render.replace: entries are {from, to}") }
                try reader.checkKeys(pair, known: ["from", "to"], within: "env.render.replace")
                guard let from = try reader.string(pair, "from", in: "env.render.replace"), !from.isEmpty,
                    let to = try reader.string(pair, "to", in: "env.render.replace")
                else { throw reader.error("env.render.replace: each entry needs from: and to:") }
                rule.replace.append((from, to))
            }
            if map["replace"] != nil && !(map["replace"] is [Any]) { throw reader.error("env.render.replace: must be a list") }
            rules.render.append(rule)
        }
        return rules
    }
}
