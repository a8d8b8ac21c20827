import CiloCore
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// Server-sent events: the overview pushed to a page as it changes, and a service's log lines
/// as they come.
enum EventStream {
    static func headers() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return headers
    }

    /// One event: each line of `data` is a `data:` line.
    static func event(_ name: String, _ data: String) -> ByteBuffer {
        var text = "event: \(name)\n"
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return ByteBuffer(string: text + "\n")
    }

    /// The overview every tick (2 s) when it changed since the last sent, a comment every 15 s
    /// otherwise (proxies and the page know the stream lives). Ends when the page goes.
    static func overview(_ feed: DashboardFeed) -> Response {
        Response(status: .ok, headers: headers(), body: ResponseBody { writer in
            var sent: Data?
            var quiet = 0
            while !Task.isCancelled {
                let current = await feed.current()
                if current != sent {
                    try await writer.write(event("overview", String(decoding: current, as: UTF8.self)))
                    sent = current
                    quiet = 0
                } else {
                    quiet += 1
                    if quiet % 8 == 0 { try await writer.write(ByteBuffer(string: ": alive\n\n")) }
                }
                // The server's shutdown (SIGINT, SIGTERM) ends the stream: no open page holds it up.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
            }
            try await writer.finish(nil)
        })
    }

    /// The lines `invocation` prints (`cilo logs -f`), one `line` event each; the child is stopped
    /// when the page closes the stream.
    static func lines(of invocation: CiloInvocation) -> Response {
        Response(status: .ok, headers: headers(), body: ResponseBody { writer in
            let (lines, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(2000))
            var streaming = invocation
            streaming.onOutputLine = { continuation.yield($0) }
            streaming.stop = .terminate
            let child = Task {
                let outcome = await streaming.outcome()
                if case .success(let ended) = outcome, ended.status != 0, !ended.stopped {
                    continuation.yield("cilo: " + (ended.ciloError ?? "logs ended with status \(ended.status)"))
                }
                continuation.finish()
            }
            defer { child.cancel() }
            for await line in lines.cancelOnGracefulShutdown() {
                try await writer.write(event("line", line))
            }
            try await writer.finish(nil)
        })
    }
}
