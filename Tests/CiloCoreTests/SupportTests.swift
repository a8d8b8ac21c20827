import SystemPackage
import CiloCore
import CiloSystem
import Testing

@Suite("Formatting, paths and CPU quotas")
struct SupportTests {
    @Test("IEC sizes", arguments: [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
                                   (1 << 30, "1.0 GiB"), (5 * (1 << 40) / 2, "2.5 TiB")])
    func iec(bytes: Int, text: String) {
        #expect(ByteFormatting.iec(bytes) == text)
    }

    @Test("grouped counts")
    func grouped() {
        #expect(ByteFormatting.grouped(0) == "0")
        #expect(ByteFormatting.grouped(999) == "999")
        #expect(ByteFormatting.grouped(100_000) == "100,000")
        #expect(ByteFormatting.grouped(-1_234_567) == "-1,234,567")
    }

    @Test("parent and name of a byte path", arguments: [
        ("/a/b/c", "/a/b", "c"), ("c", ".", "c"), ("/c", "/", "c"), ("a/b/", "a", "b"), ("./x", ".", "x"),
    ])
    func parentAndName(path: String, parent: String, name: String) throws {
        let split = try #require(BytePath(path).parentAndName)
        #expect(split.parent.display == parent)
        #expect(split.name == FileName(name))
    }

    @Test("cgroup v2 cpu.max", arguments: [("max 100000\n", nil), ("150000 100000\n", 2), ("100000 100000", 1), ("50000 100000", 1), ("", nil)] as [(String, Int?)])
    func cpuMax(contents: String, cpus: Int?) {
        #expect(CPUCapacity.quotaCPUs(cpuMax: Array(contents.utf8)) == cpus)
    }

    @Test("cgroup v1 quota and period")
    func cgroupV1() {
        #expect(CPUCapacity.quotaCPUs(quota: Array("-1\n".utf8), period: Array("100000\n".utf8)) == nil)
        #expect(CPUCapacity.quotaCPUs(quota: Array("250000\n".utf8), period: Array("100000\n".utf8)) == 3)
        #expect(CPUCapacity.quotaCPUs(quota: nil, period: nil) == nil)
    }

    @Test("usable CPUs: the lower of affinity and quota, from fixture files")
    func usableCPUs() throws {
        let directory = "/tmp/cilo-cpu-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try PathOpening.open(Array("/tmp".utf8), flags: 0o200000)  // O_DIRECTORY
        defer { fd.closeIgnoringErrors() }
        let name = FileName(String(directory.dropFirst(5)))
        try fd.makeDirectory(name, mode: 0o700)
        defer { try? TreeRemover.remove(name, in: fd) }
        let dir = try fd.openDirectory(name)
        let file = try dir.createFile(FileName("cpu.max"), permissions: 0o644)
        try file.writeAll(Array("150000 100000\n".utf8), at: 0)
        file.closeIgnoringErrors()
        dir.closeIgnoringErrors()
        #expect(CPUCapacity.usableCPUs(affinityCPUs: 8, cpuMaxPath: directory + "/cpu.max", quotaPath: "/nonexistent", periodPath: "/nonexistent") == 2)
        #expect(CPUCapacity.usableCPUs(affinityCPUs: 1, cpuMaxPath: directory + "/cpu.max", quotaPath: "/nonexistent", periodPath: "/nonexistent") == 1)
        #expect(CPUCapacity.usableCPUs(affinityCPUs: 4, cpuMaxPath: "/nonexistent", quotaPath: "/nonexistent", periodPath: "/nonexistent") == 4)
    }

    @Test("errors print one line, with the note last")
    func errorLine() {
        var error = CiloError(.noSpace, "cannot copy data", path: "/x/y", cause: Errno.noSpace)
        error.note = "nothing was left at the destination"
        #expect(!error.description.contains("\n"))
        #expect(error.description.hasPrefix("cannot copy data: /x/y: "))
        #expect(error.description.hasSuffix("; nothing was left at the destination"))
        #expect(CiloError.code(for: .readOnlyFileSystem) == .permissionDenied)
    }

    @Test("a line buffer cuts pieces into whole lines and keeps what follows the last newline")
    func lineBuffer() {
        var lines = LineBuffer()
        #expect(lines.append(Array("ab".utf8)).isEmpty && lines.count == 2)
        #expect(lines.append(Array("c\n\nde\nf".utf8)) == [Array("abc".utf8), [], Array("de".utf8)])
        #expect(lines.rest() == Array("f".utf8))
        #expect(lines.rest() == nil && lines.count == 0)
    }
}
