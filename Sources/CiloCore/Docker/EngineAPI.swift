import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Docker's Engine API (HTTP on the engine's unix socket, or plain TCP): cilo reads Docker's
/// state and removes its own objects here, without spawning the `docker` CLI. A request costs
/// about a millisecond where a CLI call costs 30 to 90 (and `docker info` runs every CLI
/// plugin's metadata).
struct EngineAPI: Sendable {
    /// How long one request may take; Docker answers reads in milliseconds.
    static let timeout = TimeAmount.seconds(30)

    let endpoint: DockerEndpoint

    /// One client for the process, never shut down (it lives as long as cilo does). It does not
    /// retry a connection the engine refuses: no engine answers at once, as the CLI says it.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        // A listing of many environments inspects every container side by side.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The API for `endpoint`; nil when only the CLI speaks to it.
    init?(_ endpoint: DockerEndpoint) {
        if case .cliOnly = endpoint { return nil }
        self.endpoint = endpoint
    }

    /// Where the engine is, for messages.
    var location: String {
        switch endpoint {
        case .unixSocket(let path): path
        case .tcp(let host, let port): "\(host):\(port)"
        case .cliOnly(let text): text
        }
    }

    /// GETs `path` with `query`; the status and the body (at most 64 MiB).
    /// - Throws: when the engine cannot be reached or does not answer in time.
    func get(_ path: String, query: [(String, String)] = []) async throws(CiloError) -> (status: Int, body: Data) {
        try await send(.GET, path, query: query)
    }

    /// Sends `method` to `path` with `query` and a JSON body; the status and the answer's body.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: Data? = nil) async throws(CiloError) -> (status: Int, body: Data) {
        let encodedQuery = query.isEmpty ? "" : "?" + query.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        // Unversioned: each engine answers in its own API version. (Engines from 29 on refuse the
        // versions before 1.44, 20.10 speaks up to 1.41; the fields cilo reads are in all of them.)
        let uri = path + encodedQuery
        let url: String
        switch endpoint {
        case .unixSocket(let socket):
            guard let made = URL(httpURLWithSocketPath: socket, uri: uri) else {
                throw CiloError(.invalidArgument, "Docker's socket path cannot be used: \(socket)")
            }
            url = made.absoluteString
        case .tcp(let host, let port):
            url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(uri)"
        case .cliOnly(let text):
            throw CiloError(.unsupported, "cilo reads \(text) through the docker CLI only")
        }
        do {
            var request = HTTPClientRequest(url: url)
            request.method = method
            // A socket URL has no host of its own; Docker wants one (the CLI says localhost too).
            request.headers.replaceOrAdd(name: "Host", value: "localhost")
            if let json {
                request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: json))
            }
            let response = try await Self.client.execute(request, timeout: Self.timeout)
            let body = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            let reason = String(describing: error).split(separator: "\n").first.map { String($0.prefix(160)) } ?? "no answer"
            throw CiloError(.failed, "Docker is not reachable at \(location) (\(reason)): start it with `systemctl start docker` or `dockerd &` (scripts/bootstrap does)")
        }
    }

    /// GETs `path` and decodes its JSON as `Value`; an answer other than 200 is an error naming it.
    func decoded<Value: Decodable>(_ type: Value.Type, _ path: String, query: [(String, String)] = []) async throws(CiloError) -> Value {
        let answer = try await get(path, query: query)
        guard answer.status == 200 else {
            throw CiloError(.failed, "Docker answered \(answer.status) to \(path): \(Self.message(answer.body))")
        }
        do { return try JSONDecoder().decode(Value.self, from: answer.body) } catch {
            throw CiloError(.failed, "cannot read Docker's answer to \(path)", cause: ErrorText(error))
        }
    }

    /// The `filters` query value for labels: `{"label":["a=b",...]}`.
    static func labelFilter(_ labels: [String]) -> (String, String) {
        let quoted = labels.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        return ("filters", "{\"label\":[\(quoted.joined(separator: ","))]}")
    }

    /// The `message` of an error answer, else its text.
    private static func message(_ body: Data) -> String {
        struct Failure: Decodable { var message: String }
        // An answer that is not Docker's error JSON (a proxy's page) is shown as its text.
        if let failure = try? JSONDecoder().decode(Failure.self, from: body) { return failure.message }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    private static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
