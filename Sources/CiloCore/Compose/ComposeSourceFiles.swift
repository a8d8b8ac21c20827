import CiloSystem
import Foundation
import SystemPackage
import Yams

/// The project's compose files as `compose config` gets them: each checked for YAML
/// errors first (one line naming the file and line), and, for Compose v1, copies without
/// the top-level `name:` it cannot parse (cilo names the project itself).
struct ComposeSourceFiles {
    /// The files to pass with `-f` (relative to the workspace, or copies' absolute paths).
    var files: [String]
    /// Options before the subcommand (`--project-directory` when copies are used).
    var globalOptions: [String]

    static func prepare(
        _ files: [String], workspace: String, shownAs projectRoot: String, tool: ComposeTool, copiesIn directory: FileDescriptor,
        copiesPath: String
    ) throws(CiloError) -> ComposeSourceFiles {
        var result = ComposeSourceFiles(files: [], globalOptions: [])
        for (index, file) in files.enumerated() {
            let path = file.hasPrefix("/") ? file : workspace + "/" + file
            // Errors name the user's own file, not the workspace copy a failed create removes.
            let shown = file.hasPrefix("/") ? file : projectRoot + "/" + file
            let text = try readCompose(path, shown: shown)
            let root: Node?
            do { root = try Yams.compose(yaml: text) } catch {
                throw CiloError(.invalidArgument, "the compose file is not valid YAML: \(Self.oneLine(error))", path: shown)
            }
            if let root, YAMLExpansion.exceedsLimit(root) {
                throw CiloError(
                    .invalidArgument, "the compose file's aliases expand to more than \(YAMLExpansion.limit) nodes (a YAML alias bomb?): refused",
                    path: shown)
            }
            guard tool.cannotParseProjectName, root?.mapping?["name"] != nil else {
                result.files.append(file)
                continue
            }
            let kept = Self.withoutTopLevelName(text)
            let copy = FileName("source-\(index).yml")
            do throws(Errno) { try AtomicFile.write(Array(kept.utf8), to: copy, in: directory, permissions: 0o600) } catch {
                throw .system(error, "cannot write a copy of the compose file", path: copiesPath)
            }
            result.files.append(copiesPath + "/source-\(index).yml")
            result.globalOptions = ["--project-directory", workspace]
        }
        return result
    }

    /// A compose file's text. The workspace's files are the agent's: a FIFO (which would hold
    /// compose, and cilo, forever), a device or a file over 16 MiB is refused; a symlink is followed.
    static func readCompose(_ path: String, shown: String) throws(CiloError) -> String {
        let bytes: [UInt8]?
        do throws(Errno) { bytes = try PathOpening.readSmallRegularFile(Array(path.utf8), limit: 16 << 20, followingSymlink: true) } catch {
            throw error == .fileTooLarge
                ? CiloError(.invalidArgument, "the compose file is larger than 16 MiB: refused", path: shown)
                : .system(error, "cannot read the compose file", path: shown)
        }
        guard let bytes else { throw CiloError(.notFound, "cannot read the compose file: it is missing or not a regular file", path: shown) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CiloError(.invalidArgument, "the compose file is not UTF-8 text", path: shown)
        }
        return text
    }

    /// The text without its top-level `name:` line.
    static func withoutTopLevelName(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !(line.hasPrefix("name:") || line.hasPrefix("name :")) }
            .joined(separator: "\n")
    }

    /// A YAML error as one line: `line 3, column 5: did not find expected key`.
    static func oneLine(_ error: any Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
                return "line \(mark.line), column \(mark.column): \(problem)"
            default:
                break
            }
        }
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
    }
}
