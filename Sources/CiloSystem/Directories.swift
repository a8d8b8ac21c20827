#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Making directory paths (`mkdir -p`), for cilo's own home.
public enum Directories {
    /// Creates `path` and any missing parents with `mode`; opens and returns it.
    public static func makeAll(_ path: [UInt8], mode: UInt32 = 0o755) throws(Errno) -> FileDescriptor {
        let isAbsolute = path.first == 0x2F
        var current = try PathOpening.openDirectory(isAbsolute ? [0x2F] : [0x2E])
        for component in path.split(separator: 0x2F) where !component.isEmpty {
            let name = FileName(bytes: component)
            do throws(Errno) {
                try current.makeDirectory(name, mode: mode)
            } catch {
                if error != .fileExists {
                    current.closeIgnoringErrors()
                    throw error
                }
            }
            let next: FileDescriptor
            do throws(Errno) { next = try current.open(name, flags: O_RDONLY | O_DIRECTORY) } catch {
                current.closeIgnoringErrors()
                throw error
            }
            current.closeIgnoringErrors()
            current = next
        }
        return current
    }
}
