import MCP

/// JSON Schema pieces for the tools' input schemas.
enum Schema {
    /// An object of `properties`, `required` ones named, no other property allowed.
    static func object(_ properties: [String: Value], required: [String] = []) -> Value {
        var schema: [String: Value] = [
            "type": "object", "properties": .object(properties), "additionalProperties": false,
        ]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }

    static func string(_ description: String, oneOf choices: [String]? = nil) -> Value {
        var schema: [String: Value] = ["type": "string", "description": .string(description)]
        if let choices { schema["enum"] = .array(choices.map { .string($0) }) }
        return .object(schema)
    }

    static func integer(_ description: String, minimum: Int, maximum: Int? = nil) -> Value {
        var schema: [String: Value] = ["type": "integer", "description": .string(description), "minimum": .int(minimum)]
        if let maximum { schema["maximum"] = .int(maximum) }
        return .object(schema)
    }

    static func boolean(_ description: String) -> Value {
        .object(["type": "boolean", "description": .string(description)])
    }

    static func strings(_ description: String) -> Value {
        .object(["type": "array", "items": ["type": "string"], "description": .string(description)])
    }

    static func stringMap(_ description: String) -> Value {
        .object(["type": "object", "additionalProperties": ["type": "string"], "description": .string(description)])
    }

    /// The environment name every per-environment tool takes.
    static let environment = string("The environment's name (environment_list shows them).")
}
