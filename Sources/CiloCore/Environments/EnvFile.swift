import CiloSystem
import SystemPackage
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
            for (key, value) in parse(try read(path, file: file, workspace: workspace)) where shell[key] == nil { result[key] = value }
        }
        return result
    }

    /// An env file of the workspace (the agent's): judged by what it resolves to, which must be a
    /// regular file inside the workspace (a symlink to `/etc/shadow` or another home's secrets is
    /// refused, as the plain path is), read without blocking on a FIFO.
    private static func read(_ path: String, file: String, workspace: String) throws(CiloError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw CiloError(.notFound, "the env file named in env_files: cannot be read", path: path)
        }
        let target = String(cString: resolved)
        free(resolved)
        let root = realpath(workspace, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? workspace
        guard target.hasPrefix(root + "/") else {
            throw CiloError(.permissionDenied, "env_files: \(file) resolves to \(target), outside the workspace: refused", path: path)
        }
        let bytes: [UInt8]?
        do throws(Errno) { bytes = try PathOpening.readSmallRegularFile(Array(target.utf8), limit: 4 << 20) } catch {
            throw .system(error, "the env file named in env_files: cannot be read", path: path)
        }
        guard let bytes else { throw CiloError(.invalidArgument, "env_files: \(file) is not a regular file", path: path) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
