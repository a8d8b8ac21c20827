import ArgumentParser
@testable import CiloCommands
import Foundation
import Testing

/// `docs/commands.md` is every command's `--help`, as the parser prints it: a test fails when the
/// two disagree. `CILO_WRITE_DOCS=1 swift test --filter CommandsDocumentTests` writes it anew.
@Suite("docs/commands.md agrees with --help")
struct CommandsDocumentTests {
    /// The repository's root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let path = root + "/docs/commands.md"
    static let columns = 100

    /// Every command and subcommand, as `cilo dns status`, with its type; hidden ones left out.
    static func commands(_ type: any ParsableCommand.Type = CiloCommand.self, prefix: String = "") -> [(name: String, type: any ParsableCommand.Type)] {
        let configuration = type.configuration
        let name = (prefix.isEmpty ? "" : prefix + " ") + (configuration.commandName ?? String(describing: type).lowercased())
        guard configuration.shouldDisplay else { return [] }
        return [(name, type)] + configuration.subcommands.flatMap { commands($0, prefix: name) }
    }

    /// The document as it should be.
    static func expected() -> String {
        var text = """
            # Commands

            Every command and option of cilo, as `cilo COMMAND --help` prints it (this file is checked
            against the parser by `CommandsDocumentTests`; `CILO_WRITE_DOCS=1 swift test --filter
            CommandsDocumentTests` writes it anew). The settings of `.cilo/config.yml` are in
            [configuration.md](configuration.md).

            ## Shell completions

            ```sh
            cilo --generate-completion-script bash > /etc/bash_completion.d/cilo
            cilo --generate-completion-script zsh > "${fpath[1]}/_cilo"
            cilo --generate-completion-script fish > ~/.config/fish/completions/cilo.fish
            ```

            Commands, options and their fixed values (`--strategy`, `--format`, ...) complete.

            """
        for (name, type) in commands() {
            let help = CiloCommand.helpMessage(for: type, columns: columns)
                .split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingSuffixSpaces() }.joined(separator: "\n")
            text += "\n## \(name)\n\n```text\n\(help.trimmingCharacters(in: .newlines))\n```\n"
        }
        return text
    }

    @Test("every command's section is its --help")
    func agrees() throws {
        let expected = Self.expected()
        if ProcessInfo.processInfo.environment["CILO_WRITE_DOCS"] == "1" {
            try expected.write(toFile: Self.path, atomically: true, encoding: .utf8)
        }
        let written = try String(contentsOfFile: Self.path, encoding: .utf8)
        let sections = { (text: String) in text.components(separatedBy: "\n## ") }
        for (have, want) in zip(sections(written), sections(expected)) where have != want {
            Issue.record("docs/commands.md differs from --help at:\n\(want.prefix(400))\nthe file says:\n\(have.prefix(400))")
            break
        }
        #expect(sections(written).count == sections(expected).count, "a command is missing from docs/commands.md or no longer exists")
    }

    @Test("every command is documented, nested ones too")
    func everyCommand() throws {
        let names = Self.commands().map(\.name)
        #expect(names.contains("cilo run") && names.contains("cilo dns status") && names.contains("cilo engines add"))
        let written = try String(contentsOfFile: Self.path, encoding: .utf8)
        for name in names { #expect(written.contains("\n## \(name)\n"), "\(name) is not in docs/commands.md") }
    }

    @Test("completion scripts name every command", arguments: [CompletionShell.bash, .zsh, .fish])
    func completions(shell: CompletionShell) {
        let script = CiloCommand.completionScript(for: shell)
        for (name, _) in Self.commands().dropFirst() where !name.contains(" engines receive") {
            #expect(script.contains(String(name.split(separator: " ").last ?? "")), "\(shell): \(name)")
        }
    }
}

extension Substring {
    func trimmingSuffixSpaces() -> String {
        var text = String(self)
        while text.last == " " { text.removeLast() }
        return text
    }
}
