import CiloSystem
import Foundation
import SystemPackage

/// A JSON file of cilo's own state (shared services' users, engines, placements): read whole,
/// written atomically 0600. Missing is nil; one that cannot be read is an error naming it,
/// never taken for "none".
enum StateFile {
    static func load<Value: Decodable>(_ type: Value.Type, _ name: FileName, in folder: BytePath, what: String) throws(CiloError) -> Value? {
        let directory: FileDescriptor
        do throws(Errno) { directory = try PathOpening.openDirectory(folder.bytes) } catch {
            if error == .noSuchFileOrDirectory { return nil }
            throw .system(error, "cannot read \(what)", path: folder.display)
        }
        defer { directory.closeIgnoringErrors() }
        let bytes: [UInt8]?
        do throws(Errno) { bytes = try AtomicFile.read(name, in: directory) } catch {
            throw .system(error, "cannot read \(what)", path: folder.appending(name).display)
        }
        guard let bytes else { return nil }
        do { return try JSONDecoder().decode(Value.self, from: Data(bytes)) } catch {
            throw CiloError(.damaged, "\(what) cannot be read (it is damaged)", path: folder.appending(name).display)
        }
    }

    static func save<Value: Encodable>(_ value: Value, _ name: FileName, in folder: BytePath, home: CiloHome, what: String) throws(CiloError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(value) } catch { throw CiloError(.failed, "cannot encode \(what)") }
        let directory = try home.makeDirectory(folder)
        defer { directory.closeIgnoringErrors() }
        do throws(Errno) { try AtomicFile.write(Array(data), to: name, in: directory, permissions: 0o600) } catch {
            throw .system(error, "cannot write \(what)", path: folder.appending(name).display)
        }
    }

    /// Removes `folder/name`; missing is fine.
    static func remove(_ name: FileName, in folder: BytePath, what: String) throws(CiloError) {
        do throws(Errno) {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            try directory.remove(name, directory: false)
        } catch where error == .noSuchFileOrDirectory {
        } catch {
            throw .system(error, "cannot delete \(what)", path: folder.appending(name).display)
        }
    }
}
