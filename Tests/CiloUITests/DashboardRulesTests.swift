import CiloCore
import Foundation
import Hummingbird
import Testing

@testable import CiloUI

/// The dashboard's rules that need no server: who may use it, and the diff's counts.
@Suite("cilo ui's rules")
struct DashboardRulesTests {
    typealias Guard = AccessGuard<BasicRequestContext>

    @Test("the Host header's name without its port; IPv6 in brackets")
    func hostNames() {
        #expect(Guard.hostName("127.0.0.1:8080") == "127.0.0.1")
        #expect(Guard.hostName("LOCALHOST") == "localhost")
        #expect(Guard.hostName("[::1]:9000") == "[::1]")
        #expect(Guard.hostName("attacker.example:80") == "attacker.example")
    }

    @Test("the token cookie among others; the comparison needs every byte")
    func tokens() {
        #expect(Guard.cookie(["a=1; cilo_token=abc; b=2"]) == "abc")
        #expect(Guard.cookie(["other=1", "cilo_token=xyz"]) == "xyz")
        #expect(Guard.cookie(["cilo_tokens=no"]) == nil)
        #expect(Guard.same("abcd", "abcd"))
        #expect(!Guard.same("abce", "abcd") && !Guard.same("abc", "abcd") && !Guard.same("", "abcd"))
    }

    @Test("the hosts allowed: loopback names, and the --listen address; tokens are new each time")
    func allowedHosts() throws {
        let manager = EnvironmentManager(project: try Project.resolve(explicit: "demo", from: NSTemporaryDirectory()))
        #expect(DashboardServer(manager: manager).allowedHosts == ["127.0.0.1", "localhost", "[::1]"])
        #expect(DashboardServer(manager: manager, address: "0.0.0.0").allowedHosts.contains("0.0.0.0"))
        #expect(DashboardServer(manager: manager, address: "FD00::1").allowedHosts.contains("[fd00::1]"))
        let token = DashboardServer.newToken()
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        #expect(DashboardServer.newToken() != token)
    }

    @Test("a patch's added and removed lines per file, headers not counted")
    func patchCounts() {
        let patch = """
            diff --git a/app.py b/app.py
            index 1..2 100644
            --- a/app.py
            +++ b/app.py
            @@ -1,3 +1,3 @@
             keep
            -old
            +new
            +more
            diff --git a/old name.txt b/new name.txt
            similarity index 90%
            rename from old name.txt
            rename to new name.txt
            diff --git a/gone b/gone
            deleted file mode 100644
            --- a/gone
            +++ /dev/null
            @@ -1,2 +0,0 @@
            --- looks like a header
            -x
            """
        let counts = PatchCounts.perFile(patch)
        #expect(counts["app.py"]?.added == 2 && counts["app.py"]?.removed == 1)
        #expect(counts["new name.txt"]?.added == 0 && counts["new name.txt"]?.removed == 0)
        #expect(counts["gone"]?.removed == 2 && counts["gone"]?.added == 0)
    }
}
