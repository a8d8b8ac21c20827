/// Project and environment names: lower-case letters, digits and `-`, as Docker and DNS
/// accept them. A name the user typed is never silently rewritten: upper case is
/// lower-cased, anything else that is not already valid is refused with the valid form
/// suggested.
public enum NameRules {
    /// The longest name (one DNS label).
    public static let maximumLength = 63

    /// Lower-cases `raw`, turns every other character into `-`, collapses runs of `-`
    /// and trims them from both ends (a suggestion, or a folder name made usable).
    public static func normalize(_ raw: String) -> String {
        var result = ""
        for scalar in raw.lowercased().unicodeScalars {
            if isAllowed(scalar) && scalar != "-" {
                result.unicodeScalars.append(scalar)
            } else if !result.isEmpty && result.last != "-" {
                result.append("-")
            }
        }
        while result.last == "-" { result.removeLast() }
        return String(result.prefix(maximumLength))
    }

    /// Whether `raw`, lower-cased, is a valid name: 1 to 63 of `[a-z0-9-]`, not starting or ending with `-`.
    public static func isValid(_ raw: String) -> Bool {
        let name = raw.lowercased()
        return !name.isEmpty && name.unicodeScalars.count <= maximumLength && name.unicodeScalars.allSatisfy(isAllowed)
            && name.first != "-" && name.last != "-"
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "-"
    }

    /// The environment name (lower-cased), or an error naming what is wrong and the valid form.
    public static func environmentName(_ raw: String) throws(CiloError) -> String {
        try checked(raw, kind: "environment")
    }

    /// A checkpoint's name (lower-cased), or an error naming what is wrong and the valid form.
    public static func checkpointName(_ raw: String) throws(CiloError) -> String {
        try checked(raw, kind: "checkpoint")
    }

    /// The project name (lower-cased), or an error naming what is wrong and the valid form.
    public static func projectName(_ raw: String) throws(CiloError) -> String {
        try checked(raw, kind: "project")
    }

    private static func checked(_ raw: String, kind: String) throws(CiloError) -> String {
        if isValid(raw) { return raw.lowercased() }
        let rule = "use 1 to \(maximumLength) lower-case letters, digits and '-', not starting or ending with '-'"
        let suggestion = normalize(raw)
        let hint = suggestion.isEmpty ? "" : " (for example '\(suggestion)')"
        throw CiloError(.invalidArgument, "invalid \(kind) name '\(raw)': \(rule)\(hint)")
    }
}
