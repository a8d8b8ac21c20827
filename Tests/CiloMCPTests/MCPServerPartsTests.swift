import CiloCore
import Foundation
import MCP
import SystemPackage
import Testing

@testable import CiloMCP

/// The parts of `cilo mcp` that need no Docker: the tool catalog, argument checks, client
/// snippets and the line transport.
@Suite("cilo mcp's parts")
struct MCPServerPartsTests {
    @Test("every tool has an object schema whose properties are described, a description, and the right hints")
    func catalog() throws {
        let tools = ToolCatalog.all
        #expect(Set(tools.map(\.name)).count == tools.count, "names are unique")
        for tool in tools {
            let schema: [String: Value] = try #require(tool.inputSchema.objectValue, "\(tool.name)")
            #expect(schema["type"] == "object", "\(tool.name)")
            #expect(schema["additionalProperties"] == false, "\(tool.name)")
            let properties: [String: Value] = schema["properties"]?.objectValue ?? [:]
            for (name, property) in properties {
                #expect((property.objectValue?["description"]?.stringValue?.count ?? 0) > 10, "\(tool.name).\(name)")
            }
            let required: [String] = schema["required"]?.arrayValue?.compactMap { $0.stringValue } ?? []
            #expect(required.allSatisfy { properties[$0] != nil }, "\(tool.name) requires what it lists")
            #expect((tool.description?.count ?? 0) > 60, "\(tool.name)")
            let readOnly = tool.annotations.readOnlyHint == true, destructive = tool.annotations.destructiveHint == true
            #expect(!(readOnly && destructive), "\(tool.name)")
        }
        let destructive = Set(tools.filter { $0.annotations.destructiveHint == true }.map(\.name))
        #expect(destructive == ["environment_destroy", "environment_restore"])
        let readOnly = Set(tools.filter { $0.annotations.readOnlyHint == true }.map(\.name))
        #expect(readOnly == [
            "environment_list", "environment_status", "environment_logs", "environment_diff", "environment_file_read",
            "environment_file_list", "environment_checkpoints",
        ])
    }

    @Test("arguments: types, ranges, required and unknown ones are one-line errors naming the argument")
    func arguments() throws {
        let run = ToolCatalog.named("environment_run")
        let good = try ToolArguments(tool: run, ["name": "a1", "command": "ls", "timeout_seconds": 5.0, "env": ["K": "v"], "sandbox": true])
        #expect(try good.environment() == "a1")
        #expect(try good.integer("timeout_seconds", default: 600, in: 1...86_400) == 5)
        #expect(try good.integer("max_output_bytes", default: 7, in: 1...10) == 7)
        #expect(try good.stringMap("env") == ["K": "v"])
        #expect(try good.bool("sandbox", default: false))
        let failures: [([String: Value], String)] = [
            (["name": "a1"], "needs the argument 'command'"),
            (["name": "a1", "command": "ls", "bogus": 1], "takes no argument 'bogus'"),
            (["name": "a1", "command": 3], "'command' must be a string"),
            (["name": "a1", "command": "ls", "timeout_seconds": 0], "'timeout_seconds' must be a whole number from 1 to 86400"),
            (["name": "a1", "command": "ls", "timeout_seconds": 2.5], "'timeout_seconds' must be a whole number"),
            (["name": "a1", "command": "ls", "sandbox": "yes"], "'sandbox' must be true or false"),
            (["name": "a1", "command": "ls", "env": ["A=B": "x"]], "'A=B' is not one"),
            (["name": "a1", "command": "ls", "env": ["A": 1]], "A is not one"),
        ]
        for (values, said) in failures {
            do {
                let arguments = try ToolArguments(tool: run, values)
                _ = try arguments.requiredString("command")
                _ = try arguments.integer("timeout_seconds", default: 600, in: 1...86_400)
                _ = try arguments.bool("sandbox", default: false)
                _ = try arguments.stringMap("env")
                Issue.record("accepted \(values)")
            } catch {
                #expect(error.description.contains(said), "\(values): \(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
        let badName = try ToolArguments(tool: run, ["name": "Bad Name", "command": "ls"])
        #expect(throws: CiloError.self) { try badName.environment() }
    }

    @Test("client snippets: JSON for claude, cursor and vscode, TOML for codex, strings escaped")
    func clientConfiguration() throws {
        for client in [ClientConfiguration.claude, .cursor, .vscode] {
            let text = client.render(executable: "/opt/cilo \"x\"/cilo", project: "shop", home: "/h")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let server = (object[client == .vscode ? "servers" : "mcpServers"] as? [String: Any])?["cilo"] as? [String: Any]
            #expect(server?["command"] as? String == "/opt/cilo \"x\"/cilo")
            #expect(server?["args"] as? [String] == ["mcp", "--project", "shop"])
            #expect((server?["env"] as? [String: String])?["CILO_HOME"] == "/h")
        }
        let codex = ClientConfiguration.codex.render(executable: "/usr/bin/cilo", project: nil, home: nil)
        #expect(codex == "[mcp_servers.cilo]\ncommand = \"/usr/bin/cilo\"\nargs = [\"mcp\"]\n")
        #expect(ClientConfiguration.tomlString("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
    }

    @Test("the transport yields one message per line (split reads, blank lines skipped) and writes whole lines")
    func transport() async throws {
        let toServer = try FileDescriptor.pipe(), fromServer = try FileDescriptor.pipe()
        let transport = LineTransport(input: toServer.readEnd, output: fromServer.writeEnd)
        try await transport.connect()
        _ = try toServer.writeEnd.writeAll(Array("{\"a\":1}\n\n{\"b\"".utf8))
        _ = try toServer.writeEnd.writeAll(Array(":2}\r\n".utf8))
        try toServer.writeEnd.close()
        var received: [String] = []
        for try await message in await transport.receive() { received.append(String(decoding: message, as: UTF8.self)) }
        #expect(received == ["{\"a\":1}", "{\"b\":2}\r"])
        try await transport.send(Data("{\"c\":3}".utf8))
        try fromServer.writeEnd.close()
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = try buffer.withUnsafeMutableBytes { try fromServer.readEnd.read(into: $0) }
        #expect(String(decoding: buffer[..<count], as: UTF8.self) == "{\"c\":3}\n")
        try toServer.readEnd.close()
        try fromServer.readEnd.close()
    }
}
