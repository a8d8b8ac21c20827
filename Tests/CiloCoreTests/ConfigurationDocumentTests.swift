@testable import CiloCore
import Foundation
import Testing

/// `docs/configuration.md` documents every key `.cilo/config.yml` takes, and each example in it loads.
@Suite("docs/configuration.md is true")
struct ConfigurationDocumentTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/docs/configuration.md"

    /// The text of every fenced `yaml` block.
    static func examples() throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.components(separatedBy: "```yaml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
    }

    @Test("every setting has a section of its own")
    func everyKey() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let headings = Set(text.split(separator: "\n").filter { $0.hasPrefix("### ") }
            .flatMap { $0.dropFirst(4).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } })
        for key in ProjectConfig.settings { #expect(headings.contains(key), "\(key) is not documented") }
        #expect(headings.subtracting(ProjectConfig.settings).isEmpty, "documented but unknown: \(headings.subtracting(ProjectConfig.settings))")
    }

    @Test("every example loads")
    func examplesLoad() throws {
        let examples = try Self.examples()
        #expect(examples.count >= ProjectConfig.settings.count - 2)
        let folder = NSTemporaryDirectory() + "cilo-config-doc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for example in examples {
            let file = folder + "/config.yml"
            try example.write(toFile: file, atomically: true, encoding: .utf8)
            do { _ = try ProjectConfig.load(file) } catch { Issue.record("this example does not load (\(error.description)):\n\(example)") }
        }
    }

    @Test("the whole-file example gives the values it shows")
    func wholeFile() throws {
        let folder = NSTemporaryDirectory() + "cilo-config-doc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #require(try Self.examples().last).write(toFile: folder + "/config.yml", atomically: true, encoding: .utf8)
        let config = try ProjectConfig.load(folder + "/config.yml")
        #expect(config.project == "shop" && config.maxEnvironments == 10 && config.sharedGraceSeconds == 120)
        #expect(config.exclude == ["node_modules"] && config.envFiles == [".env.cilo"] && !config.sandbox)
    }
}
