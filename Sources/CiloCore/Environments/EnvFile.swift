import Foundation

/// `KEY=VALUE` files as compose reads them for interpolation (`env_files:`): comments,
/// blank lines, `export `, single or double quotes.
enum EnvFile {
    static func parse(_ text: String) -> [(key: String, value: String)] {
        var pairs: [(String, String)] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            if !key.isEmpty { pairs.append((key, value)) }
        }
        return pairs
    }

    /// The variables of `files` (relative to `workspace`, later files win) that the shell does not set.
    static func variables(_ files: [String], workspace: String, shell: [String: String]) throws(CiloError) -> [String: String] {
        var result: [String: String] = [:]
        for file in files {
            let path = workspace + "/" + file
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw CiloError(.notFound, "the env file named in env_files: cannot be read", path: path)
            }
            for (key, value) in parse(text) where shell[key] == nil { result[key] = value }
        }
        return result
    }
}
