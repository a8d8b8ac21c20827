import CiloSystem
import SystemPackage

/// Swift's runtime on an engine. A cilo built without `--static-swift-stdlib` links Swift's
/// libraries, which a machine that only runs Docker does not have: they go to `<home>/lib`
/// beside the binary, and the engine's cilo runs with them (`ciloCommandLine`).
extension RemoteEngine {
    /// The Swift libraries this binary links.
    struct SwiftRuntime: Equatable {
        /// Where the loader found them here.
        var folder: String
        var names: [String]
        /// Their names, sizes and modification times: another toolchain's differ.
        var build: String
    }

    /// What `ldd` says this binary loads from the folder of `libswiftCore.so`; nil for a build
    /// that carries Swift's runtime inside (`--static-swift-stdlib`).
    static func swiftRuntime() async throws(CiloError) -> SwiftRuntime? {
        let binary: String
        do throws(Errno) {
            let proc = try PathOpening.openDirectory(Array("/proc/self".utf8))
            defer { proc.closeIgnoringErrors() }
            binary = String(decoding: try proc.symbolicLinkTarget(of: FileName("exe")), as: UTF8.self)
        } catch {
            throw .system(error, "cannot find cilo's own binary", path: "/proc/self/exe")
        }
        let result = try await ToolRunner.run("ldd", [binary])
        guard result.succeeded else { throw CiloError(.failed, "cannot list the libraries cilo loads: ldd \(binary): \(result.tail(1))") }
        // "\tlibswiftCore.so => /opt/swift/usr/lib/swift/linux/libswiftCore.so (0x…)"
        let loaded = result.output.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.count >= 3, words[1] == "=>", words[2].hasPrefix("/") else { return nil }
            return String(words[2])
        }
        guard let core = loaded.first(where: { $0.hasSuffix("/libswiftCore.so") }) else { return nil }
        let folder = String(core.dropLast("/libswiftCore.so".count))
        let names = loaded.filter { $0.hasPrefix(folder + "/") && !$0.dropFirst(folder.count + 1).contains("/") }
            .map { String($0.dropFirst(folder.count + 1)) }.sorted()
        var build: [String] = []
        for name in names {
            do throws(Errno) {
                let status = try PathOpening.status(Array((folder + "/" + name).utf8))
                build.append("\(name):\(status.size):\(status.modificationTime.seconds)")
            } catch {
                throw .system(error, "cannot read a library cilo loads", path: folder + "/" + name)
            }
        }
        return SwiftRuntime(folder: folder, names: names, build: build.joined(separator: ","))
    }

    /// Sends the libraries to `<home>/lib` as one tar stream and records their build there.
    func installRuntime(_ runtime: SwiftRuntime) async throws(CiloError) {
        let lib = "\(engine.homeWord)/lib"
        try await streamTar(
            ["-C", runtime.folder, "--dereference"] + runtime.names, into: lib,
            then: "printf %s \(Engine.quoted(runtime.build)) > runtime.build", doing: "putting Swift's runtime there")
    }

    /// Packs with this machine's tar (`packing`: its `-C` and what to pack) and unpacks the
    /// stream in `folder` there (a word for the engine's shell, made when missing), then runs
    /// `then` in it. Either side's failure fails it.
    func streamTar(_ packing: [String], into folder: String, then: String = "", doing what: String) async throws(CiloError) {
        let unpack = engine.sshArguments("mkdir -p \(folder) && cd \(folder) && tar -xf -" + (then.isEmpty ? "" : " && " + then))
        let result = try await ToolRunner.run("bash", [
            "-c", "set -o pipefail; n=$1; shift; tar -cf - \"${@:1:$n}\" | \"${@:$((n + 1))}\"",
            "cilo-tar", String(packing.count),
        ] + packing + unpack)
        guard result.succeeded else {
            if result.status == 255 { throw failure(result, doing: what) }
            throw CiloError(.failed, "engine \(engine.name): \(what) failed: \(result.tail(2))")
        }
    }
}
