import ArgumentParser
import CiloCore
import Foundation

/// How `up` and `run` start an environment's services.
struct StartOptions: ParsableArguments {
    @Option(name: .customLong("profile"), help: "Activate a compose profile (repeatable).")
    var profiles: [String] = []

    @Flag(help: "Rebuild images before starting.")
    var build = false

    @Option(help: "Seconds to wait for services to run (and be healthy) or, one-shot jobs, to finish.")
    var timeout: Double = 120

    @Option(help: "When creating: clone this folder instead of the project's root.")
    var from: String?

    @Option(help: ArgumentHelp(
        "When the machine holds no more environments: wait for a place, first come first served, SECONDS at most (default: as long as it takes) instead of exiting 75.",
        valueName: "seconds"))
    var wait: String?

    @Option(help: "Memory for every service that sets no limit (like 512m or 2g); kept for the environment's later starts.")
    var memory: String?

    @Option(help: "CPUs for every service that sets no limit (like 0.5 or 2).")
    var cpus: String?

    @Option(help: "Processes for every service that sets no limit.")
    var pids: String?

    @Option(name: .customLong("shared"), help: ArgumentHelp(
        "Run this service once for all the project's environments, as if labelled dev.cilo.share (repeatable, or comma-separated); kept for the environment's later starts.",
        valueName: "service"))
    var shared: [String] = []

    @Option(name: .customLong("isolate"), help: ArgumentHelp(
        "Give this environment its own copy of a service labelled shared (repeatable, or comma-separated); kept for its later starts.",
        valueName: "service"))
    var isolate: [String] = []

    /// The services named by `--shared` or `--isolate`, comma-separated lists split.
    static func serviceNames(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// `--shared` and `--isolate`, checked: service names, none in both.
    func sharingChoice() throws(CiloError) -> SharingChoice {
        for (flag, values) in [("--shared", shared), ("--isolate", isolate)] {
            for name in Self.serviceNames(values) where name.isEmpty || name.contains(where: { $0.isWhitespace || $0 == "/" }) {
                throw CiloError(.invalidArgument, "\(flag) needs a service name, not '\(name)'")
            }
        }
        if let both = Self.serviceNames(shared).first(where: Self.serviceNames(isolate).contains) {
            throw CiloError(.invalidArgument, "service \(both) is named by both --shared and --isolate: choose one")
        }
        return SharingChoice(shared: Self.serviceNames(shared), isolated: Self.serviceNames(isolate))
    }

    func validate() throws {
        if let wait, wait != "forever" {
            guard let seconds = Double(wait), seconds > 0, seconds.isFinite else { throw ValidationError("--wait takes a number of seconds above 0, not '\(wait)'") }
        }
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 1 and 3600 seconds") }
        for profile in profiles where profile.isEmpty || profile.contains(where: { $0.isWhitespace }) {
            throw ValidationError("--profile needs a profile name, not '\(profile)'")
        }
    }

    /// The request for `env` with these options.
    func request(_ env: String, start: EnvironmentRequest.Start) throws(CiloError) -> EnvironmentRequest {
        var request = EnvironmentRequest(env: env, start: start)
        request.source = from
        request.profiles = profiles
        request.build = build
        request.timeoutSeconds = timeout
        request.sharing = try sharingChoice()
        if let wait { request.admission = .wait(seconds: wait == "forever" ? nil : Double(wait)) }
        request.limits = try ResourceLimits.parse(memory: memory, cpus: cpus, pids: pids, names: ("--memory", "--cpus", "--pids"))
        return request
    }
}
