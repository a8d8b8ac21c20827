#if canImport(Glibc)
import Glibc
#endif
import CiloCore
import CiloSystem
import Foundation
import SystemPackage
import Testing

/// Every fidelity property of `CloneEngine`, checked on real loop-mounted file systems.
@Suite("Clone fidelity on real file systems", .serialized)
struct CloneFidelityTests {
    static let cases: [(LoopFileSystem.Kind, CloneStrategy)] = [
        (.btrfs, .auto), (.btrfs, .copy), (.xfs, .auto), (.xfs, .copyRange), (.ext4, .auto), (.ext4, .copy),
    ]

    @Test("a clone reproduces every entry and attribute", .enabled(if: Integration.canRun(needing: ["mkfs.btrfs", "mkfs.xfs", "mkfs.ext4"])),
          arguments: cases)
    func faithfulClone(kind: LoopFileSystem.Kind, strategy: CloneStrategy) throws {
        try Integration.require([kind.tool])
        let fs = try LoopFileSystem(kind)
        defer { fs.tearDown() }
        try FileManager.default.createDirectory(atPath: fs.path("src"), withIntermediateDirectories: false)
        let special = try FidelityTree.build(at: fs.path("src"))

        let report = try CloneEngine(options: CloneOptions(strategy: strategy, jobs: 2))
            .clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("dst")))

        let source = try TreeSnapshot(of: fs.path("src"))
        let copy = try TreeSnapshot(of: fs.path("dst"))
        let usesReflink = strategy == .auto && kind != .ext4
        let problems = source.differences(
            from: copy, skipping: Set(special.map { Array($0.utf8) }), checkSparse: !usesReflink)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")

        #expect(report.skipped == special.count)
        #expect(Set(report.skippedPaths) == Set(special))
        #expect(report.fifos == 1)
        #expect(report.hardlinks == 4)  // plain.txt x2 more, inner.txt x1, deep-file x1
        #expect(report.directories == 1 + 5 + 20)  // root, 5 named, 20 deep
        let expectedStrategy: String
        switch (kind, strategy) {
        case (.ext4, .auto): expectedStrategy = "copy-range"
        case (_, .auto): expectedStrategy = "reflink"
        default: expectedStrategy = strategy.rawValue
        }
        #expect(report.strategy == expectedStrategy)

        if usesReflink {
            // Reflinked data is shared: the big file has (almost) no exclusive extents.
            let file = try PathOpening.open(Array(fs.path("dst/big.bin").utf8), flags: O_RDONLY)
            defer { file.closeIgnoringErrors() }
            let extents = try ExtentSummary(of: file)
            #expect(extents.totalBytes >= UInt64(FidelityTree.bigSize))
            #expect(extents.exclusiveBytes == 0, "exclusive \(extents.exclusiveBytes) of \(extents.totalBytes)")
        }
    }

    @Test("one worker and four workers make the same tree", .enabled(if: Integration.canRun(needing: ["mkfs.xfs"])))
    func jobsDoNotChangeTheResult() throws {
        try Integration.require(["mkfs.xfs"])
        let fs = try LoopFileSystem(.xfs)
        defer { fs.tearDown() }
        try FileManager.default.createDirectory(atPath: fs.path("src"), withIntermediateDirectories: false)
        // Wide directories so entry batches spread over the workers.
        for directory in 0..<6 {
            let path = fs.path("src/d\(directory)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            for file in 0..<300 {
                try Data("file \(directory)/\(file)".utf8).write(to: URL(fileURLWithPath: "\(path)/f\(file)"))
            }
        }
        try FidelityTree.build(at: fs.path("src/d0"), withSpecialFiles: false)
        let one = try CloneEngine(options: CloneOptions(jobs: 1)).clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("one")))
        let four = try CloneEngine(options: CloneOptions(jobs: 4)).clone(source: BytePath(fs.path("src")), destination: BytePath(fs.path("four")))
        #expect(one.files == four.files && one.bytes == four.bytes && one.hardlinks == four.hardlinks)
        let source = try TreeSnapshot(of: fs.path("src"))
        #expect(source.differences(from: try TreeSnapshot(of: fs.path("one")), checkSparse: false).isEmpty)
        #expect(source.differences(from: try TreeSnapshot(of: fs.path("four")), checkSparse: false).isEmpty)
    }
}
