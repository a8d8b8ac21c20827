#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import Foundation
import SystemPackage

/// Carries out a project's `env:` rules in one workspace, never in the source: the `.env*`
/// policy once at create, the init hook and the render rules before every start. Files are
/// reached through directory descriptors without following symlinks, so a rule can never
/// write outside the workspace; a rendered file keeps its mode (0600 stays 0600).
struct WorkspacePreparation {
    let rules: WorkspaceRules
    let workspace: String
    /// `CILO_PROJECT`, `CILO_ENV`, `CILO_DNS_SUFFIX`, `CILO_BASE_URL`, `CILO_WORKSPACE`.
    let tokens: [String: String]

    /// Runs the init hook (`bash -lc`) in the workspace with the `CILO_*` variables.
    /// - Throws: when it fails, with its exit status and last output lines.
    func runInitHook() async throws(CiloError) {
        guard let hook = rules.initHook, !hook.isEmpty else { return }
        let result = try await ToolRunner.run("bash", ["-lc", hook], workingDirectory: workspace, environment: tokens)
        guard result.succeeded else {
            let output = (result.output + result.error).split(separator: "\n").suffix(5).joined(separator: " | ")
            throw CiloError(.failed, "env.init_hook failed with exit status \(result.status): \(output.isEmpty ? "(no output)" : output)")
        }
    }

    /// Applies every render rule. - Returns: notes on rules skipped (a missing file).
    func renderFiles() throws(CiloError) -> [String] {
        var notes: [String] = []
        for rule in rules.render {
            let components = rule.file.split(separator: "/").map { FileName(String($0)) }
            guard let name = components.last else { continue }
            let display = workspace + "/" + rule.file
            do throws(Errno) {
                let directory = try openParent(of: components)
                defer { directory.closeIgnoringErrors() }
                let status = try directory.status(of: name)
                guard status.kind == .regular else {
                    notes.append("env.render: \(rule.file) is not a regular file; skipped")
                    continue
                }
                let file = try directory.openForReading(name, noAccessTime: false)
                let bytes = try file.readToEnd()
                file.closeIgnoringErrors()
                let text = String(decoding: bytes, as: UTF8.self)
                let rendered = apply(rule, to: text)
                if rendered != text {
                    try AtomicFile.write(Array(rendered.utf8), to: name, in: directory, permissions: status.permissions)
                }
            } catch .noSuchFileOrDirectory {
                notes.append("env.render: \(rule.file) is missing in the workspace; skipped")
            } catch {
                throw .system(error, "cannot render", path: display)
            }
        }
        return notes
    }

    /// The rule's replacements (tokens expanded on both sides first), then its tokens.
    func apply(_ rule: WorkspaceRules.RenderRule, to text: String) -> String {
        var result = text
        for (from, to) in rule.replace {
            result = result.replacingOccurrences(of: expand(from), with: expand(to))
        }
        return rule.tokens ? expand(result) : result
    }

    private func expand(_ text: String) -> String {
        var result = text
        for (key, value) in tokens { result = result.replacingOccurrences(of: "${\(key)}", with: value) }
        return result
    }

    /// Deletes the new workspace's `.env*` files the copy policy does not keep (`.git` and
    /// `.cilo` are not looked into). - Returns: the relative paths deleted.
    func filterEnvFiles() throws(CiloError) -> [String] {
        guard rules.filtersEnvFiles else { return [] }
        var removed: [String] = []
        do throws(Errno) {
            try TreeWalk.walk(try PathOpening.openDirectory(BytePath(workspace).bytes)) { entry throws(Errno) in
                let base = entry.name.displayString
                if entry.status.kind == .directory { return base != ".git" && base != ".cilo" }
                guard base.hasPrefix(".env"), let relative = String(validating: entry.path, as: UTF8.self) else { return false }
                let matches = { (globs: [String]) in globs.contains { Self.matches($0, relative) || Self.matches($0, base) } }
                let keep: Bool
                switch rules.copyMode {
                case .all: keep = true
                case .none: keep = false
                case .allowlist: keep = matches(rules.copy)
                }
                guard !keep || matches(rules.ignore) else { return false }
                try entry.directory.remove(entry.name, directory: false)
                removed.append(relative)
                return false
            }
        } catch {
            throw .system(error, "cannot apply the env.copy_mode policy", path: workspace)
        }
        return removed
    }

    static func matches(_ glob: String, _ path: String) -> Bool { fnmatch(glob, path, 0) == 0 }

    /// The folder holding the last component, opened component by component without following symlinks.
    private func openParent(of components: [FileName]) throws(Errno) -> FileDescriptor {
        var current = try PathOpening.openDirectory(BytePath(workspace).bytes)
        for component in components.dropLast() {
            let next: FileDescriptor
            do throws(Errno) { next = try current.openDirectory(component) } catch {
                current.closeIgnoringErrors()
                throw error
            }
            current.closeIgnoringErrors()
            current = next
        }
        return current
    }
}
