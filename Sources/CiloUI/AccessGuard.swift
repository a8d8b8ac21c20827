import Foundation
import HTTPTypes
import Hummingbird

/// Who may use the dashboard. The Host header must name the loopback address, `localhost` or
/// the address given to `--listen` (no DNS rebinding: a page of another site cannot reach the
/// server under its own name). Every request carries the token: the `token` query parameter
/// once (it becomes an HttpOnly, SameSite=Strict cookie and the address is given again without
/// it), the cookie, or the `X-Cilo-Token` header. Actions (POST) need the header: a cross-site
/// form carries cookies but can set no header.
struct AccessGuard<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// Host names allowed in the Host header, lower-case, without the port.
    let hosts: Set<String>

    static var tokenHeader: HTTPField.Name { HTTPField.Name("X-Cilo-Token").unsafelyUnwrapped }
    static var cookieName: String { "cilo_token" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let host = request.head.authority.map(Self.hostName), hosts.contains(host) else {
            return Self.refusal("this dashboard answers to \(hosts.sorted().joined(separator: ", ")) only (Host header)")
        }
        if let offered = request.uri.queryParameters["token"].map(String.init) {
            guard Self.same(offered, token) else { return Self.refusal("the token is not this dashboard's") }
            var headers = HTTPFields()
            headers[.location] = request.uri.path
            headers[.setCookie] = "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict"
            headers[.cacheControl] = "no-store"
            return Response(status: .seeOther, headers: headers)
        }
        let byHeader = request.headers[Self.tokenHeader].map { Self.same($0, token) } ?? false
        let byCookie = Self.cookie(request.headers[values: .cookie]).map { Self.same($0, token) } ?? false
        if request.method == .post {
            guard byHeader else { return Self.refusal("an action needs the X-Cilo-Token header") }
        } else {
            guard byHeader || byCookie else { return Self.refusal("open the address cilo ui printed (it carries the token)") }
        }
        var response = try await next(request, context)
        for (name, value) in [
            ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
        ] {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }

    /// `host[:port]` or `[v6]:port` without the port, lower-case.
    static func hostName(_ header: String) -> String {
        let text = header.lowercased()
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") { return String(text[...end]) }
        return String(text.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// The token cookie among the Cookie headers.
    static func cookie(_ headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == cookieName { return String(parts[1]) }
            }
        }
        return nil
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ offered: String, _ token: String) -> Bool {
        let left = Array(offered.utf8), right = Array(token.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func refusal(_ reason: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .forbidden, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "403 forbidden: \(reason)\n")))
    }
}
