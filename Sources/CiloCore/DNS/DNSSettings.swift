import CiloSystem
import Foundation
import SystemPackage

/// cilo's own settings, `$CILO_HOME/config.json`, written by `cilo init`.
public struct CiloSettings: Codable, Sendable, Equatable {
    public var dns: DNSSettings

    public init(dns: DNSSettings = DNSSettings()) {
        self.dns = dns
    }

    static let fileName = FileName("config.json")

    /// The settings `cilo init` wrote, or nil before the first init.
    public static func load(from home: CiloHome) throws(CiloError) -> CiloSettings? {
        let directory: FileDescriptor
        do throws(Errno) { directory = try PathOpening.openDirectory(home.root.bytes) } catch {
            if error == .noSuchFileOrDirectory { return nil }  // no home yet: init never ran
            throw .system(error, "cannot read cilo's home", path: home.root.display)
        }
        defer { directory.closeIgnoringErrors() }
        let bytes: [UInt8]?
        do throws(Errno) { bytes = try AtomicFile.read(fileName, in: directory) } catch {
            throw .system(error, "cannot read cilo's settings", path: home.root.appending(fileName).display)
        }
        guard let bytes else { return nil }
        do { return try JSONDecoder().decode(CiloSettings.self, from: Data(bytes)) } catch {
            throw CiloError(.invalidArgument, "cilo's settings are damaged (run cilo init again)", path: home.root.appending(fileName).display)
        }
    }

    /// Writes the settings atomically.
    public func save(to home: CiloHome) throws(CiloError) {
        let directory = try home.makeDirectory(home.root)
        defer { directory.closeIgnoringErrors() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw CiloError(.failed, "cannot encode cilo's settings", cause: ErrorText(error)) }
        do throws(Errno) { try AtomicFile.write(Array(data), to: Self.fileName, in: directory) } catch {
            throw .system(error, "cannot write cilo's settings", path: home.root.appending(Self.fileName).display)
        }
    }
}

/// How environments get names: cilo's dnsmasq on 127.0.0.1:`port` answering for `suffix`.
public struct DNSSettings: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var port: UInt16
    /// With its leading dot: `.test`.
    public var suffix: String
    /// Whether `init --system-resolver` routed the suffix to the server.
    public var systemResolver: Bool

    public init(enabled: Bool = true, port: UInt16 = 5354, suffix: String = ".test", systemResolver: Bool = false) {
        self.enabled = enabled
        self.port = port
        self.suffix = suffix
        self.systemResolver = systemResolver
    }

    /// The suffix without its leading dot (`test`), as dnsmasq's `local=/test/` wants it.
    public var domain: String { String(suffix.drop(while: { $0 == "." })) }

    /// A suffix as given (`.test`, `test`, `.cilo.internal`), normalised, or an error naming it.
    public static func validSuffix(_ raw: String) throws(CiloError) -> String {
        let trimmed = raw.lowercased().hasPrefix(".") ? String(raw.lowercased().dropFirst()) : raw.lowercased()
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard !trimmed.isEmpty, trimmed.count <= 200, labels.allSatisfy({ isLabel(String($0)) }) else {
            throw CiloError(.invalidArgument, "invalid DNS suffix '\(raw)': use labels of a-z, 0-9 and '-', like .test")
        }
        return "." + trimmed
    }

    /// Whether `label` is one DNS label: 1 to 63 of a-z, 0-9, '-', not starting or ending with '-'.
    public static func isLabel(_ label: String) -> Bool {
        guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
        return label.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
    }
}
