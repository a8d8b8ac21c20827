import CiloCore
import CiloSystem
import Dispatch
import Foundation
import Logging
import MCP
import SystemPackage

/// The MCP stdio transport on two descriptors: one JSON-RPC message per line. The input is read
/// with blocking reads on a thread of its own (an idle server sleeps in `read`, never polls);
/// writes go one after another on a serial queue, off Swift's cooperative pool, whole lines each.
///
/// `cilo mcp` hands it a private copy of standard output and points descriptor 1 at standard
/// error, so nothing but protocol messages can reach the client's end.
public actor LineTransport: Transport {
    public nonisolated let logger = Logger(label: "cilo.mcp.transport", factory: { _ in SwiftLogNoOpLogHandler() })
    private let input: FileDescriptor
    private let output: FileDescriptor
    private let writes = DispatchQueue(label: "cilo.mcp.writes")
    private let messages: AsyncThrowingStream<Data, any Swift.Error>
    private let continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation
    private var connected = false

    /// A message longer than this (64 MiB) ends the connection: no client sends one.
    static let longestMessage = 64 << 20

    public init(input: FileDescriptor, output: FileDescriptor) {
        self.input = input
        self.output = output
        (messages, continuation) = AsyncThrowingStream.makeStream()
    }

    public func connect() async throws {
        guard !connected else { return }
        connected = true
        let input = self.input, continuation = self.continuation
        let reader = Thread { Self.readLines(from: input, into: continuation) }
        reader.name = "cilo.mcp.read"
        reader.start()
    }

    public func disconnect() async {
        connected = false
        continuation.finish()
    }

    public func send(_ data: Data) async throws {
        let line = data + [UInt8(ascii: "\n")]
        let output = self.output
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Swift.Error>) in
            writes.async {
                do {
                    try line.withUnsafeBytes { _ = try output.writeAll($0) }
                    done.resume()
                } catch {
                    done.resume(throwing: MCPError.transportError(error))
                }
            }
        }
    }

    public func receive() -> AsyncThrowingStream<Data, any Swift.Error> { messages }

    /// Reads until end of file (the client went), yielding each non-empty line.
    private static func readLines(from input: FileDescriptor, into continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation) {
        var lines = LineBuffer()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try input.read(into: $0, retryOnInterrupt: true) }
            } catch {
                continuation.finish(throwing: MCPError.transportError(error))
                return
            }
            if count == 0 { break }
            for line in lines.append(buffer[..<count])
            where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
                continuation.yield(Data(line))
            }
            if lines.count > longestMessage {
                continuation.finish(throwing: MCPError.parseError("a message longer than \(longestMessage >> 20) MiB"))
                return
            }
        }
        continuation.finish()
    }
}
