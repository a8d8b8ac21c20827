@testable import CiloCore
import CiloSystem
import Testing

/// The rules behind reusing an overlay base: its fingerprint and when a check answers for a create.
@Suite("Overlay base rules")
struct OverlayRulesTests {
    private func stamp(size: Int64 = 10, changed: Int64 = 100, inode: UInt64 = 7) -> TreeManifest.Stamp {
        TreeManifest.Stamp(kind: 1, mode: 0o644, size: size, modified: FileTime(seconds: 100, nanoseconds: 0),
                           changed: FileTime(seconds: changed, nanoseconds: 5), inode: inode)
    }

    @Test("the fingerprint does not depend on the order entries are met, and any change of any entry moves it")
    func fingerprint() {
        let entries: [([UInt8], TreeManifest.Stamp)] = (0..<50).map { (Array("dir/file\($0)".utf8), stamp(inode: UInt64($0))) }
        var forward = SourceFingerprint(), backward = SourceFingerprint()
        for (path, stamp) in entries { forward.add(path, stamp) }
        for (path, stamp) in entries.reversed() { backward.add(path, stamp) }
        #expect(forward == backward)
        for change in [stamp(size: 11, inode: 3), stamp(changed: 101, inode: 3), stamp(inode: 99)] {
            var changed = SourceFingerprint()
            for (index, (path, original)) in entries.enumerated() { changed.add(path, index == 3 ? change : original) }
            #expect(changed != forward)
        }
        var renamed = SourceFingerprint()
        for (index, (path, original)) in entries.enumerated() { renamed.add(index == 3 ? Array("dir/other".utf8) : path, original) }
        #expect(renamed != forward)
        var fewer = SourceFingerprint()
        for (path, stamp) in entries.dropLast() { fewer.add(path, stamp) }
        #expect(fewer != forward)
    }

    @Test("a check answers for a create only when it began after the create was asked for, on the same boot")
    func checkCovers() {
        let asked = BaseCheck(boot: "b1", nanoseconds: 1_000)
        #expect(BaseCheck(boot: "b1", nanoseconds: 1_000).covers(asked))
        #expect(BaseCheck(boot: "b1", nanoseconds: 2_000).covers(asked))
        #expect(!BaseCheck(boot: "b1", nanoseconds: 999).covers(asked))
        #expect(!BaseCheck(boot: "b2", nanoseconds: 5_000).covers(asked), "another boot's clock says nothing")
        #expect(!BaseCheck(boot: "", nanoseconds: 5_000).covers(BaseCheck(boot: "", nanoseconds: 1)), "no boot id: never")
    }
}
