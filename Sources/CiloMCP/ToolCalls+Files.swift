import CiloCore
import Foundation
import MCP

/// The workspace's files (`cilo file`) and the environment's state (`cilo fork`, `checkpoint`,
/// `restore`).
extension ToolCalls {
    func fileRead(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let path = try arguments.requiredString("path")
        let offset = try arguments.integer("offset", default: 0, in: 0...Int(Int64.max >> 1))
        let limit = try arguments.integer("max_bytes", default: 262_144, in: 1...(16 << 20))
        try requireEnvironment(name)
        var read = invocation(["file", "read"], [name, path, "--json", "--offset", String(offset), "--limit", String(limit)])
        read.outputLimit = 64 << 20
        return try Self.jsonResult(try await succeeded(read))
    }

    func fileWrite(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let path = try arguments.requiredString("path")
        let bytes: [UInt8]
        switch (try arguments.string("content"), try arguments.string("content_base64")) {
        case (let text?, nil): bytes = Array(text.utf8)
        case (nil, let encoded?):
            guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw CiloError(.invalidArgument, "environment_file_write's content_base64 is not base64")
            }
            bytes = Array(data)
        case (nil, nil): throw CiloError(.invalidArgument, "environment_file_write needs content (or content_base64)")
        case (.some, .some): throw CiloError(.invalidArgument, "environment_file_write takes content or content_base64, not both")
        }
        try requireEnvironment(name)
        var write = invocation(["file", "write"], [name, path, "--json"] + (try arguments.bool("make_folders", default: false) ? ["--make-folders"] : []))
        write.input = bytes
        return try Self.jsonResult(try await succeeded(write))
    }

    func fileList(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let path = try arguments.string("path") ?? "."
        let depth = try arguments.integer("depth", default: 1, in: 1...32)
        let limit = try arguments.integer("limit", default: 2000, in: 1...100_000)
        try requireEnvironment(name)
        var list = invocation(["file", "list"], [name, path, "--json", "--depth", String(depth), "--limit", String(limit)])
        list.outputLimit = 64 << 20
        return try Self.jsonResult(try await succeeded(list))
    }

    /// `cilo fork FROM NEW --json`, a free name chosen when none is given.
    func fork(_ arguments: ToolArguments, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let from = try arguments.environment("from")
        let start = try arguments.bool("start", default: true)
        let asked = try arguments.string("name")
        try requireEnvironment(from)
        for _ in 1...5 {
            let name = try chooseName(asked)
            defer { if asked == nil { release(name) } }
            let outcome = try await invocation(["fork"], [from, name, "--json"] + (start ? [] : ["--no-up"])).run(onStep: step)
            if outcome.stopped { throw CiloError(.cancelled, "fork cancelled; nothing of it was left and '\(from)' runs on") }
            if outcome.status != 0 {
                if asked == nil, outcome.ciloError?.contains("already exists") == true { continue }
                throw Self.failure(outcome)
            }
            return try Self.jsonResult(outcome)
        }
        throw CiloError(.busy, "no free environment name found: name one")
    }

    func checkpoint(_ arguments: ToolArguments, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let label = try arguments.string("checkpoint").map { [$0] } ?? []
        try requireEnvironment(name)
        return try Self.jsonResult(try await succeeded(invocation(["checkpoint"], [name] + label + ["--json"]), step: step))
    }

    func checkpoints(_ arguments: ToolArguments) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        try requireEnvironment(name)
        return try Self.jsonResult(try await succeeded(invocation(["checkpoints"], [name, "--json"])), wrapping: "checkpoints")
    }

    func restore(_ arguments: ToolArguments, step: @escaping @Sendable (String) -> Void) async throws(CiloError) -> CallTool.Result {
        let name = try arguments.environment()
        let checkpoint = try arguments.requiredString("checkpoint")
        let discard = try arguments.bool("discard", default: false) ? ["--discard"] : []
        try requireEnvironment(name)
        return try Self.jsonResult(try await succeeded(invocation(["restore"], [name, checkpoint, "--json"] + discard), step: step))
    }
}
