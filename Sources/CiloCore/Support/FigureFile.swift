import CiloSystem
import Foundation
import SystemPackage

/// A small JSON file of figures cilo keeps to show later without measuring again (the disk
/// cost of a workspace, its change count). Missing or unreadable reads as "not measured";
/// writes are atomic, 0600.
enum FigureFile {
    /// The value in `folder/name`, nil when there is none or it cannot be read.
    static func load<Value: Decodable>(_ type: Value.Type, _ name: FileName, in folder: BytePath) -> Value? {
        // Figures are measurements to take again, never state: whatever keeps them from being read
        // (no folder, no file, an older shape) means "not measured".
        do {
            let directory = try PathOpening.openDirectory(folder.bytes)
            defer { directory.closeIgnoringErrors() }
            guard let bytes = try AtomicFile.read(name, in: directory) else { return nil }
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            return nil
        }
    }

    /// Writes `value` to `folder/name`, replacing what was there atomically.
    static func save<Value: Encodable>(_ value: Value, _ name: FileName, in folder: BytePath, home: CiloHome) throws(CiloError) {
        let directory = try home.makeDirectory(folder)
        defer { directory.closeIgnoringErrors() }
        let data: Data
        do { data = try JSONEncoder().encode(value) } catch { throw CiloError(.failed, "cannot encode \(name.displayString)") }
        do throws(Errno) { try AtomicFile.write(Array(data), to: name, in: directory, permissions: 0o600) } catch {
            throw .system(error, "cannot write cilo's figures", path: folder.appending(name).display)
        }
    }
}
