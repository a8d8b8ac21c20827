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

/// Reading `btrfs receive --dump` for the paths a send stream names.
@Suite("btrfs send stream dumps")
struct SendStreamDumpTests {
    @Test("paths below the subvolume, renames' destinations, escapes undone, the subvolume itself left out")
    func paths() {
        let dump = #"""
            snapshot        ./now-1                         uuid=a transid=9 parent_uuid=b parent_transid=8
            utimes          ./now-1/                        atime=x mtime=y ctime=z
            mkfile          ./now-1/o258-7-0
            rename          ./now-1/o258-7-0                dest=./now-1/d/new\ file.txt
            unlink          ./now-1/gone
            chmod           ./now-1/tab\there\\x            mode=755
            update_extent   ./now-1/b\377d                  offset=0 len=1
            """#
        let paths = SendStreamDump.paths(in: Array(dump.utf8), under: Array("now-1".utf8))
        let shown = Set(paths.map { String(decoding: $0, as: UTF8.self) })
        #expect(shown.isSuperset(of: ["o258-7-0", "d/new file.txt", "gone", "tab\there\\x"]), "\(shown)")
        #expect(paths.contains(Array("b".utf8) + [0xFF] + Array("d".utf8)))
        #expect(paths.count == 5)
    }
}
