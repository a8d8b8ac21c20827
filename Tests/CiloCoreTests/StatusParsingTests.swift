@testable import CiloCore
import Testing

/// Reading `git status --porcelain=v2 -z` for what changed in a workspace since cilo's last snapshot.
@Suite("git status records")
struct StatusParsingTests {
    @Test("worktree changes, unmerged and untracked paths are named; index-only changes are not")
    func changedPaths() {
        let records = [
            "1 .M N... 100644 100644 100644 aaaa bbbb src/a file.c",
            "1 M. N... 100644 100644 100644 aaaa bbbb staged-only.c",
            "1 .D N... 100644 100644 000000 aaaa aaaa gone.c",
            "1 MT N... 100644 100644 120000 aaaa bbbb became-link",
            "u UU N... 100644 100644 100644 100644 aaaa bbbb cccc both.c",
            "? new dir/",
            "? notes.txt",
        ]
        let output = Array(records.joined(separator: "\0").utf8) + [0]
        let paths = WorkspaceSnapshot.changedPaths(inStatus: output).map { String(decoding: $0, as: UTF8.self) }
        #expect(paths == ["src/a file.c", "gone.c", "became-link", "both.c", "new dir/", "notes.txt"])
        #expect(WorkspaceSnapshot.changedPaths(inStatus: []).isEmpty)
    }
}
