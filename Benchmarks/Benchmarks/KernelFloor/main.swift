import CiloSystem
import Dispatch
import Foundation
import SystemPackage

// The least a per-file clone, or a du that reads extents, can cost on this kernel: the
// same system calls cilo cannot avoid, in the simplest possible loop, so the benchmark
// scripts can show how far cilo is from that floor in the same run.
//
//   kernel-floor clone SRC DST [--jobs N]  open, fstat, create, FICLONE (else copy_file_range), futimens, close x2 per
//                                         file; DST's directories are made first, untimed; no
//                                         xattrs, owners, modes or directory times
//   kernel-floor fiemap ROOT [--jobs N]    open, FIEMAP, close per file; no stat, no walk
//
// The file list comes from an untimed walk; workers take whole directories from one shared
// counter, as cilo's do (on XFS, files of one directory share an allocation group, so two
// workers in two directories rarely wait for each other). Prints the timed seconds.

let arguments = CommandLine.arguments
guard arguments.count >= 4 || (arguments.count >= 3 && arguments[1] == "fiemap") else {
    FileHandle.standardError.write("usage: kernel-floor clone SRC DST [--jobs N] | kernel-floor fiemap ROOT [--jobs N]\n".data(using: .utf8) ?? Data())
    exit(2)
}
let mode = arguments[1]
let jobs = arguments.firstIndex(of: "--jobs").flatMap { Int(arguments[$0 + 1]) } ?? 2
let sourceRoot = arguments[2]

var files: [String] = []
var directories: [String] = []
let walker = FileManager.default.enumerator(atPath: sourceRoot)
while let relative = walker?.nextObject() as? String {
    guard let type = walker?.fileAttributes?[.type] as? FileAttributeType else { continue }
    if type == .typeRegular { files.append(relative) } else if type == .typeDirectory { directories.append(relative) }
}

func open(_ path: String) -> FileDescriptor {
    guard let descriptor = try? PathOpening.openDirectory(Array(path.utf8)) else {
        FileHandle.standardError.write("kernel-floor: cannot open \(path)\n".data(using: .utf8) ?? Data())
        exit(1)
    }
    return descriptor
}

let source = open(sourceRoot)
var destination: FileDescriptor?
if mode == "clone" {
    let root = arguments[3]
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
    for directory in directories { try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: false) }
    destination = open(root)
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
let counter = Counter()
let groups = Dictionary(grouping: files) { ($0 as NSString).deletingLastPathComponent }
    .sorted { $0.key < $1.key }
    .map { $0.value.map { FileName(bytes: Array($0.utf8)) } }
let target = destination

let start = DispatchTime.now()
DispatchQueue.concurrentPerform(iterations: jobs) { _ in
    while case let index = counter.next(), index < groups.count {
      for name in groups[index] {
        guard let input = try? source.openForReading(name, noAccessTime: true) else { continue }
        defer { input.closeIgnoringErrors() }
        if let target {
            guard let status = try? input.status(),
                let output = try? target.createFile(name, permissions: status.permissions)
            else { continue }
            if (try? DataCloning.reflink(from: input, to: output)) == nil {
                // No reflink here (ext4): the kernel's copy, as cilo falls back to.
                var inputOffset: Int64 = 0
                var outputOffset: Int64 = 0
                while inputOffset < status.size,
                    let copied = try? DataCloning.copyRange(
                        from: input, offset: &inputOffset, to: output, offset: &outputOffset, length: Int(status.size - inputOffset)),
                    copied > 0
                {}
            }
            try? output.setTimes(access: status.accessTime, modification: status.modificationTime)
            output.closeIgnoringErrors()
        } else {
            _ = try? ExtentSummary(of: input)
        }
      }
    }
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
print(String(format: "%.4f", seconds))
