import CiloCore
import MCP

/// One tool call's arguments, read by name with their types checked: a wrong type, a value out
/// of range or an argument the tool does not take is a one-line error naming it.
struct ToolArguments {
    let tool: String
    let values: [String: Value]

    /// Refuses arguments the tool's schema does not list.
    init(tool: Tool, _ values: [String: Value]?) throws(CiloError) {
        self.tool = tool.name
        self.values = values ?? [:]
        let known = tool.inputSchema.objectValue?["properties"]?.objectValue.map { Set($0.keys) } ?? []
        if let unknown = self.values.keys.sorted().first(where: { !known.contains($0) }) {
            let expected = known.isEmpty ? "none" : known.sorted().joined(separator: ", ")
            throw CiloError(.invalidArgument, "\(tool.name) takes no argument '\(unknown)' (it takes: \(expected))")
        }
        let required = tool.inputSchema.objectValue?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let missing = required.first(where: { self.values[$0] == nil || self.values[$0] == .null }) {
            throw CiloError(.invalidArgument, "\(tool.name) needs the argument '\(missing)'")
        }
    }

    private func wrong(_ key: String, _ expected: String) -> CiloError {
        CiloError(.invalidArgument, "\(tool)'s argument '\(key)' must be \(expected)")
    }

    func string(_ key: String) throws(CiloError) -> String? {
        guard let value = values[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw wrong(key, "a string") }
        return text
    }

    func requiredString(_ key: String) throws(CiloError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw CiloError(.invalidArgument, "\(tool) needs a non-empty '\(key)'") }
        return text
    }

    /// An environment name, checked as the command line checks it.
    func environment(_ key: String = "name") throws(CiloError) -> String {
        try NameRules.environmentName(try requiredString(key))
    }

    func integer(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(CiloError) -> Int {
        guard let value = values[key], value != .null else { return fallback }
        let number: Int?
        switch value {
        case .int(let whole): number = whole
        case .double(let real) where real.rounded() == real && abs(real) < 1e15: number = Int(real)
        default: number = nil
        }
        guard let number, range.contains(number) else { throw wrong(key, "a whole number from \(range.lowerBound) to \(range.upperBound)") }
        return number
    }

    func bool(_ key: String, default fallback: Bool) throws(CiloError) -> Bool {
        guard let value = values[key], value != .null else { return fallback }
        guard let flag = value.boolValue else { throw wrong(key, "true or false") }
        return flag
    }

    func strings(_ key: String) throws(CiloError) -> [String] {
        guard let value = values[key], value != .null else { return [] }
        guard let items = value.arrayValue else { throw wrong(key, "an array of strings") }
        var texts: [String] = []
        for item in items {
            guard let text = item.stringValue else { throw wrong(key, "an array of strings") }
            texts.append(text)
        }
        return texts
    }

    func stringMap(_ key: String) throws(CiloError) -> [String: String] {
        guard let value = values[key], value != .null else { return [:] }
        guard let object = value.objectValue else { throw wrong(key, "an object of strings") }
        var map: [String: String] = [:]
        for (name, item) in object {
            guard let text = item.stringValue else { throw wrong(key, "an object of strings (\(name) is not one)") }
            guard !name.isEmpty, !name.contains("=") else { throw wrong(key, "an object whose names are variable names ('\(name)' is not one)") }
            map[name] = text
        }
        return map
    }
}
