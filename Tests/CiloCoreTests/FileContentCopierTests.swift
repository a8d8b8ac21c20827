import CiloCore
import SystemPackage
import Synchronization
import Testing

/// A data-operations double: each method fails with a scripted errno (or succeeds) and records the call.
final class ScriptedDataOperations: FileDataOperations {
    let failures: [CloneMethod: Errno]
    private let log = Mutex<[CloneMethod]>([])

    init(failing failures: [CloneMethod: Errno]) {
        self.failures = failures
    }

    var calls: [CloneMethod] { log.withLock { $0 } }

    private func attempt(_ method: CloneMethod) throws(Errno) {
        log.withLock { $0.append(method) }
        if let errno = failures[method] { throw errno }
    }

    func reflink(from source: FileDescriptor, to destination: FileDescriptor) throws(Errno) { try attempt(.reflink) }
    func copyRange(from source: FileDescriptor, to destination: FileDescriptor, size: Int64, sparse: Bool) throws(Errno) {
        try attempt(.copyRange)
    }
    func readWrite(from source: FileDescriptor, to destination: FileDescriptor, size: Int64, sparse: Bool) throws(Errno) {
        try attempt(.copy)
    }
}

@Suite("The per-file fallback ladder")
struct FileContentCopierTests {
    let anyFile = FileDescriptor(rawValue: 100)

    private func copy(_ copier: FileContentCopier<ScriptedDataOperations>, devices: (UInt64, UInt64) = (1, 2),
                      from method: CloneMethod = .reflink) throws(Errno) -> CloneMethod {
        try copier.copy(from: anyFile, to: anyFile, size: 10, sparse: false, devices: devices, firstMethod: method)
    }

    @Test("falls back reflink -> copy_file_range -> read/write on 'cannot work here' errnos",
          arguments: [Errno.improperLink, .notSupported, .invalidArgument, .noFunction, .inappropriateIOCTLForDevice])
    func fallsBackInOrder(errno: Errno) throws {
        let operations = ScriptedDataOperations(failing: [.reflink: errno, .copyRange: errno])
        let copier = FileContentCopier(operations: operations, allowsFallback: true)
        #expect(try copy(copier) == .copy)
        #expect(operations.calls == [.reflink, .copyRange, .copy])
    }

    @Test("real failures are not fallbacks", arguments: [Errno.noSpace, .ioError, .permissionDenied, .diskQuotaExceeded])
    func realFailuresPropagate(errno: Errno) {
        let operations = ScriptedDataOperations(failing: [.reflink: errno])
        let copier = FileContentCopier(operations: operations, allowsFallback: true)
        #expect(throws: errno) { try copy(copier) }
        #expect(operations.calls == [.reflink])
    }

    @Test("an unsupported pair is probed once, then skipped for every later file")
    func pairIsProbedOnce() throws {
        let operations = ScriptedDataOperations(failing: [.reflink: .notSupported])
        let copier = FileContentCopier(operations: operations, allowsFallback: true)
        for _ in 0..<5 { #expect(try copy(copier) == .copyRange) }
        #expect(operations.calls == [.reflink] + Array(repeating: .copyRange, count: 5))
        // Another device pair is probed on its own.
        _ = try copy(copier, devices: (3, 4))
        #expect(operations.calls.suffix(2) == [.reflink, .copyRange])
    }

    @Test("EINVAL is about one file: the pair keeps trying reflink")
    func invalidArgumentDoesNotPoisonThePair() throws {
        let operations = ScriptedDataOperations(failing: [.reflink: .invalidArgument])
        let copier = FileContentCopier(operations: operations, allowsFallback: true)
        _ = try copy(copier)
        _ = try copy(copier)
        #expect(operations.calls == [.reflink, .copyRange, .reflink, .copyRange])
    }

    @Test("without fallback (--strategy reflink) an unsupported reflink is an error")
    func strictReflink() {
        let operations = ScriptedDataOperations(failing: [.reflink: .improperLink])
        let copier = FileContentCopier(operations: operations, allowsFallback: false)
        #expect(throws: Errno.improperLink) { try copy(copier) }
        #expect(operations.calls == [.reflink])
    }

    @Test("copy-range starts at copy_file_range and read/write is the last resort")
    func copyRangeStart() throws {
        let operations = ScriptedDataOperations(failing: [.copyRange: .improperLink, .copy: .notSupported])
        let copier = FileContentCopier(operations: operations, allowsFallback: true)
        #expect(throws: Errno.notSupported) { try copy(copier, from: .copyRange) }
        #expect(operations.calls == [.copyRange, .copy])
    }
}
