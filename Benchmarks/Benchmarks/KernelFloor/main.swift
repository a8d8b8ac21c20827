import CiloSystem
import Dispatch
import Foundation
import SystemPackage

// The least a per-file clone, or a du that reads extents, can cost on this kernel: the
// same system calls cilo cannot avoid, in the simplest possible loop, so the benchmark
// scripts can show how far cilo is from that floor in the same run.
//
//   kernel-floor clone SRC DST [--jobs N]  open, fstat, create, FICLONE (else copy_file_range), futimens,
//                                         close x2 per file; DST's directories are made first, untimed;
//                                         no xattrs, owners, modes or directory times
//   kernel-floor fiemap ROOT [--jobs N]    open, FIEMAP, close per file; no stat, no walk
//
// An untimed walk (directory descriptors, names as bytes, as cilo's own) lists the regular
// files of every directory; workers then take whole directories from one shared counter, as
// cilo's do (on XFS, files of one directory share an allocation group, so two workers in two
// directories rarely wait for each other). Prints the timed seconds.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kernel-floor: \(message)\n".utf8))
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, arguments[1] == "fiemap" || (arguments[1] == "clone" && arguments.count >= 4) else {
    fail("usage: kernel-floor clone SRC DST [--jobs N] | kernel-floor fiemap ROOT [--jobs N]")
}
let cloning = arguments[1] == "clone"
let jobs = arguments.firstIndex(of: "--jobs").flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil } ?? 2

/// One directory's regular files, with the directory open in the source (and, cloning, in the destination).
struct Group: @unchecked Sendable {
    var source: FileDescriptor
    var destination: FileDescriptor?
    var files: [FileName]
}

/// Lists `source` depth first, making the same directories under `destination` when given.
func walk(_ source: FileDescriptor, _ destination: FileDescriptor?, into groups: inout [Group]) throws(Errno) {
    var files: [FileName] = []
    var directories: [FileName] = []
    try DirectoryReader(directory: source).forEachEntry { name, type in
        if type == DirectoryReader.regularType { files.append(name) } else if type == DirectoryReader.directoryType { directories.append(name) }
        return true
    }
    groups.append(Group(source: source, destination: destination, files: files))
    for name in directories {
        let child = try source.openDirectory(name)
        var childDestination: FileDescriptor?
        if let destination {
            try destination.makeDirectory(name, mode: 0o755)
            childDestination = try destination.openDirectory(name)
        }
        try walk(child, childDestination, into: &groups)
    }
}

_ = HostFacts.raiseOpenFileLimit()
var groups: [Group] = []
do throws(Errno) {
    let source = try PathOpening.openDirectory(Array(arguments[2].utf8))
    var destination: FileDescriptor?
    if cloning {
        let root = Array(arguments[3].utf8)
        destination = try Directories.makeAll(root, mode: 0o755)
    }
    try walk(source, destination, into: &groups)
} catch {
    fail("cannot walk \(arguments[2]): \(error)")
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
let work = groups

let start = DispatchTime.now()
DispatchQueue.concurrentPerform(iterations: jobs) { _ in
    while case let index = counter.next(), index < work.count {
        let group = work[index]
        for name in group.files {
            guard let input = try? group.source.openForReading(name, noAccessTime: true) else { continue }
            defer { input.closeIgnoringErrors() }
            guard let target = group.destination else {
                _ = try? ExtentSummary(of: input)
                continue
            }
            guard let status = try? input.status(), let output = try? target.createFile(name, permissions: status.permissions) else { continue }
            defer { output.closeIgnoringErrors() }
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
        }
    }
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
print(String(format: "%.4f", seconds))
