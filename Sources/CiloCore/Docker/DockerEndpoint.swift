import CiloSystem
import Foundation

/// Where the Docker engine listens, found as the `docker` CLI finds it: `DOCKER_HOST`, else the
/// context `DOCKER_CONTEXT` names, else the config's `currentContext`, else the default socket.
/// cilo reads Docker's state over the Engine API at a unix socket or a plain TCP address; an
/// endpoint it cannot speak to itself (ssh, TLS) is left to the CLI, which handles it.
public enum DockerEndpoint: Sendable, Equatable {
    /// `unix:///var/run/docker.sock`.
    case unixSocket(String)
    /// `tcp://HOST:PORT` without TLS.
    case tcp(host: String, port: Int)
    /// An endpoint only the CLI speaks to (ssh://, TLS, a context cilo cannot read), as written.
    case cliOnly(String)

    public static let defaultSocket = "/var/run/docker.sock"

    /// The endpoint for this process's environment and Docker config folder (`DOCKER_CONFIG`, else `~/.docker`).
    public static func current() -> DockerEndpoint {
        let environment = ProcessInfo.processInfo.environment
        let configFolder = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.docker"
        return resolve(environment: environment, configFolder: configFolder)
    }

    /// The endpoint `environment` and the config in `configFolder` name, as the CLI reads them.
    static func resolve(environment: [String: String], configFolder: String) -> DockerEndpoint {
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            let tls = environment["DOCKER_TLS_VERIFY"].map { !$0.isEmpty } ?? false
            return parse(host, tls: tls)
        }
        let named = environment["DOCKER_CONTEXT"].flatMap { $0.isEmpty ? nil : $0 } ?? currentContext(in: configFolder)
        guard let context = named, context != "default" else { return .unixSocket(defaultSocket) }
        return contextEndpoint(context, in: configFolder) ?? .cliOnly("context \(context)")
    }

    /// `unix://PATH`, `tcp://HOST:PORT` (no TLS), or what only the CLI speaks.
    static func parse(_ host: String, tls: Bool) -> DockerEndpoint {
        if host.hasPrefix("unix://") {
            let path = String(host.dropFirst("unix://".count))
            return path.hasPrefix("/") ? .unixSocket(path) : .cliOnly(host)
        }
        if host.hasPrefix("tcp://"), !tls {
            let address = host.dropFirst("tcp://".count).split(separator: "/").first.map(String.init) ?? ""
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
                return address.isEmpty ? .cliOnly(host) : .tcp(host: address, port: 2375)
            }
            let name = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return name.isEmpty ? .cliOnly(host) : .tcp(host: name, port: port)
        }
        return .cliOnly(host)
    }

    /// `currentContext` of `config.json`; nil when unset or unreadable (the CLI then uses the default).
    private static func currentContext(in configFolder: String) -> String? {
        // A config that cannot be read names no context: the CLI, too, falls back to the default.
        guard let data = HostFacts.readSmallFile(configFolder + "/config.json").map({ Data($0) }),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return (object["currentContext"] as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The docker endpoint of context `name`: its `meta.json` under `contexts/meta/` (found by
    /// the name it holds); nil when no context of that name can be read, or it uses TLS.
    private static func contextEndpoint(_ name: String, in configFolder: String) -> DockerEndpoint? {
        let metaFolder = configFolder + "/contexts/meta"
        // No contexts folder, or an unreadable context: the caller leaves that context to the CLI.
        guard let folders = try? FileManager.default.contentsOfDirectory(atPath: metaFolder) else { return nil }
        for folder in folders {
            guard let bytes = HostFacts.readSmallFile(metaFolder + "/" + folder + "/meta.json"),
                // An unreadable context is skipped as the CLI skips it; no match leaves the context to the CLI.
                let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                object["Name"] as? String == name,
                let endpoints = object["Endpoints"] as? [String: Any], let docker = endpoints["docker"] as? [String: Any],
                let host = docker["Host"] as? String
            else { continue }
            let tls = FileManager.default.fileExists(atPath: configFolder + "/contexts/tls/" + folder)
            return parse(host, tls: tls)
        }
        return nil
    }
}
