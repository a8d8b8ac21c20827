#if canImport(Glibc)
import Glibc
#endif
import CiloSystem
import SystemPackage
import Testing

@Suite("Names are bytes")
struct ByteNameTests {
    @Test("display escapes what is not printable UTF-8 and keeps the rest", arguments: [
        ([0x61, 0x62], "ab"),
        ([0x62, 0x61, 0x64, 0xFF], "bad\\xff"),
        ([0x6E, 0x0A, 0x6C], "n\\nl"),
        (Array("ünï".utf8), "ünï"),
        ([0xC3], "\\xc3"),
    ] as [([UInt8], String)])
    func display(bytes: [UInt8], text: String) {
        #expect(DisplayBytes.string(bytes) == text)
    }

    @Test("a file name keeps its bytes and knows . and ..")
    func fileName() {
        let name = FileName(bytes: [0x2D, 0xFF, 0x20])
        #expect(Array(name.bytes) == [0x2D, 0xFF, 0x20])
        #expect(FileName(".").isDotOrDotDot && FileName("..").isDotOrDotDot)
        #expect(!FileName("...").isDotOrDotDot && !FileName(".a").isDotOrDotDot)
    }

    @Test("entries with invalid UTF-8 names round-trip through create, getdents64 and fstatat")
    func directoryRoundTrip() throws {
        let tmp = try PathOpening.openDirectory(Array("/tmp".utf8))
        defer { tmp.closeIgnoringErrors() }
        let dirName = FileName("cilo-bytes-\(UInt32.random(in: 0...UInt32.max))")
        try tmp.makeDirectory(dirName, mode: 0o700)
        let directory = try tmp.openDirectory(dirName)
        defer {
            directory.closeIgnoringErrors()
        }
        let names = [FileName(bytes: [0xFF, 0xFE]), FileName("new\nline"), FileName("-dash"), FileName(bytes: Array(repeating: 0x61, count: 255))]
        for name in names {
            let file = try directory.createFile(name, permissions: 0o640)
            try file.writeAll(Array(name.bytes), at: 0)
            file.closeIgnoringErrors()
        }
        var listed: Set<FileName> = []
        try DirectoryReader(directory: directory).forEachEntry { name, _ in
            listed.insert(name)
            return true
        }
        #expect(listed == Set(names))
        for name in names {
            let status = try directory.status(of: name)
            #expect(status.kind == .regular && status.permissions == 0o640 && status.size == Int64(name.bytes.count))
            try directory.remove(name, directory: false)
        }
        try tmp.remove(dirName, directory: true)
    }

    @Test("a directory longer than one getdents64 batch is listed completely")
    func largeDirectory() throws {
        let tmp = try PathOpening.openDirectory(Array("/tmp".utf8))
        defer { tmp.closeIgnoringErrors() }
        let dirName = FileName("cilo-many-\(UInt32.random(in: 0...UInt32.max))")
        try tmp.makeDirectory(dirName, mode: 0o700)
        let directory = try tmp.openDirectory(dirName)
        for index in 0..<3000 {
            let file = try directory.createFile(FileName("entry-with-a-long-name-\(index)"), permissions: 0o600)
            file.closeIgnoringErrors()
        }
        var count = 0
        try DirectoryReader(directory: directory, bufferSize: 4096).forEachEntry { _, _ in
            count += 1
            return true
        }
        #expect(count == 3000)
        for index in 0..<3000 { try directory.remove(FileName("entry-with-a-long-name-\(index)"), directory: false) }
        directory.closeIgnoringErrors()
        try tmp.remove(dirName, directory: true)
    }
}
