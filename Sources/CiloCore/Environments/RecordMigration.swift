import Foundation

/// Reads environment records of every shape cilo has written, bringing older ones to the
/// current `schemaVersion`. Each step rewrites the JSON object of one version into the next, so
/// a record of any earlier version passes through every later step; the next save writes the
/// current shape. A record of a newer cilo than this one is refused, never half-read.
///
/// - Version 1 (no `schemaVersion`): every record before the lifecycle split. Fields were only
///   ever added to it, all optional; `composeProject` was absent before names were unambiguous
///   (those environments keep `cilo-<project>-<env>`).
/// - Version 2: `schemaVersion`; `composeProject` always present; `cloneStrategy` one of
///   `EnvironmentRecord.WorkspaceMethod`.
public enum RecordMigration {
    public static let currentVersion = 2

    /// The record in `data`, migrated to the current version.
    /// - Throws: `damaged` naming what is wrong (not JSON, a newer version, a field that does not fit).
    public static func decode(_ data: Data) throws(CiloError) -> EnvironmentRecord {
        // A record of the current shape decodes as it is (one parse); any other goes step by step.
        if let current = try? JSONDecoder().decode(EnvironmentRecord.self, from: data), current.schemaVersion == currentVersion {
            return current
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CiloError(.damaged, "the record is not a JSON object")
            }
            object = parsed
        } catch let error as CiloError {
            throw error
        } catch {
            throw CiloError(.damaged, "the record is not JSON", cause: ErrorText(error))
        }
        let upgraded = try upgrade(object)
        do {
            return try JSONDecoder().decode(EnvironmentRecord.self, from: JSONSerialization.data(withJSONObject: upgraded))
        } catch {
            throw CiloError(.damaged, "the record does not fit schema \(currentVersion)", cause: ErrorText(error))
        }
    }

    /// `object` brought to the current version, step by step.
    static func upgrade(_ object: [String: Any]) throws(CiloError) -> [String: Any] {
        var object = object
        let version = object["schemaVersion"].map { $0 as? Int ?? -1 } ?? 1
        guard version >= 1 else { throw CiloError(.damaged, "the record's schemaVersion is not a whole number") }
        guard version <= currentVersion else {
            throw CiloError(.damaged, "the record was written by a newer cilo (schema \(version); this one reads up to \(currentVersion))")
        }
        if version < 2 { object = fromVersion1(object) }
        return object
    }

    /// 1 → 2: the old Docker name made explicit; the version stamped.
    private static func fromVersion1(_ object: [String: Any]) -> [String: Any] {
        var object = object
        if object["composeProject"] == nil || object["composeProject"] is NSNull,
            let project = object["project"] as? String, let name = object["name"] as? String
        {
            object["composeProject"] = "cilo-\(project)-\(name)"
        }
        object["schemaVersion"] = 2
        return object
    }
}
