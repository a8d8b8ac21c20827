@testable import CiloCore
import Foundation
import Testing

/// cilo finds the engine as the docker CLI does: DOCKER_HOST, then the context, then the default socket.
@Suite("Finding the Docker engine")
struct DockerEndpointTests {
    /// A Docker config folder with `config.json` and the contexts given (name → host), removed afterwards.
    final class ConfigFolder {
        let path = NSTemporaryDirectory() + "cilo-docker-config-\(UUID().uuidString.prefix(8))"

        init(current: String?, contexts: [String: String] = [:], tls: Set<String> = []) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            if let current { try #"{"auths": {}, "currentContext": "\#(current)"}"#.write(toFile: path + "/config.json", atomically: true, encoding: .utf8) }
            for (index, (name, host)) in contexts.sorted(by: { $0.key < $1.key }).enumerated() {
                let folder = path + "/contexts/meta/\(index)abc"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try #"{"Name":"\#(name)","Metadata":{},"Endpoints":{"docker":{"Host":"\#(host)","SkipTLSVerify":false}}}"#
                    .write(toFile: folder + "/meta.json", atomically: true, encoding: .utf8)
                if tls.contains(name) { try FileManager.default.createDirectory(atPath: path + "/contexts/tls/\(index)abc", withIntermediateDirectories: true) }
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test("DOCKER_HOST wins", arguments: [
        ("unix:///run/user/1000/docker.sock", DockerEndpoint.unixSocket("/run/user/1000/docker.sock")),
        ("tcp://127.0.0.1:2375", .tcp(host: "127.0.0.1", port: 2375)),
        ("tcp://[::1]:2376", .tcp(host: "::1", port: 2376)),
        ("tcp://docker.internal", .tcp(host: "docker.internal", port: 2375)),
        ("ssh://agent@10.0.0.7", .cliOnly("ssh://agent@10.0.0.7")),
        ("unix://relative.sock", .cliOnly("unix://relative.sock")),
    ])
    func dockerHost(host: String, expected: DockerEndpoint) throws {
        let config = try ConfigFolder(current: "remote", contexts: ["remote": "tcp://10.9.9.9:2375"])
        #expect(DockerEndpoint.resolve(environment: ["DOCKER_HOST": host], configFolder: config.path) == expected)
    }

    @Test("a TCP address with TLS is the CLI's to speak to")
    func tls() {
        #expect(DockerEndpoint.resolve(environment: ["DOCKER_HOST": "tcp://1.2.3.4:2376", "DOCKER_TLS_VERIFY": "1"], configFolder: "/nonexistent")
            == .cliOnly("tcp://1.2.3.4:2376"))
    }

    @Test("without DOCKER_HOST: DOCKER_CONTEXT, then currentContext, then the default socket")
    func contexts() throws {
        let config = try ConfigFolder(current: "rootless", contexts: ["rootless": "unix:///run/user/1000/docker.sock", "lab": "tcp://10.1.1.1:2375"])
        #expect(DockerEndpoint.resolve(environment: [:], configFolder: config.path) == .unixSocket("/run/user/1000/docker.sock"))
        #expect(DockerEndpoint.resolve(environment: ["DOCKER_CONTEXT": "lab"], configFolder: config.path) == .tcp(host: "10.1.1.1", port: 2375))
        #expect(DockerEndpoint.resolve(environment: ["DOCKER_CONTEXT": "default"], configFolder: config.path) == .unixSocket("/var/run/docker.sock"))
        #expect(DockerEndpoint.resolve(environment: [:], configFolder: "/nonexistent") == .unixSocket("/var/run/docker.sock"))
    }

    @Test("a context cilo cannot read, or one with TLS, is left to the CLI")
    func unreadableContext() throws {
        let config = try ConfigFolder(current: "secure", contexts: ["secure": "tcp://10.2.2.2:2376"], tls: ["secure"])
        #expect(DockerEndpoint.resolve(environment: [:], configFolder: config.path) == .cliOnly("tcp://10.2.2.2:2376"))
        #expect(DockerEndpoint.resolve(environment: ["DOCKER_CONTEXT": "missing"], configFolder: config.path) == .cliOnly("context missing"))
    }

    @Test("label filters are JSON the Engine API reads")
    func labelFilter() throws {
        let (key, value) = EngineAPI.labelFilter(["dev.cilo.project=shop", "odd\"label"])
        #expect(key == "filters")
        let object = try JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: [String]]
        #expect(object == ["label": ["dev.cilo.project=shop", "odd\"label"]])
    }

    @Test("an unreachable socket is one line naming where cilo looked")
    func unreachable() async {
        let client = DockerClient(home: nil, endpoint: .unixSocket("/nonexistent/docker.sock"))
        do {
            _ = try await client.engineVersion()
            Issue.record("a version came from nowhere")
        } catch {
            #expect(error.description.contains("Docker is not reachable at /nonexistent/docker.sock"), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }
}
