/// Project and environment names: `[a-z0-9-]`, as Docker and DNS accept them.
public enum NameRules {
    /// Lower-cases `raw`, turns every other character into `-`, collapses runs of `-`
    /// and trims them from both ends.
    public static func normalize(_ raw: String) -> String {
        var result = ""
        for scalar in raw.lowercased().unicodeScalars {
            let allowed = (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9")
            if allowed {
                result.unicodeScalars.append(scalar)
            } else if !result.isEmpty && result.last != "-" {
                result.append("-")
            }
        }
        while result.last == "-" { result.removeLast() }
        return result
    }

    /// The normalised environment name, or an error naming what is wrong.
    public static func environmentName(_ raw: String) throws(CiloError) -> String {
        let name = normalize(raw)
        guard !name.isEmpty else {
            throw CiloError(.invalidArgument, "invalid environment name '\(raw)': use letters, digits and '-'")
        }
        guard name.count <= 63 else {
            throw CiloError(.invalidArgument, "invalid environment name '\(raw)': at most 63 characters")
        }
        return name
    }

    /// The normalised project name, or an error naming what is wrong.
    public static func projectName(_ raw: String) throws(CiloError) -> String {
        let name = normalize(raw)
        guard !name.isEmpty, name.count <= 63 else {
            throw CiloError(.invalidArgument, "invalid project name '\(raw)': 1 to 63 letters, digits and '-'")
        }
        return name
    }
}
