import ArgumentParser
import CiloCore

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

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 1 and 3600 seconds") }
        for profile in profiles where profile.isEmpty || profile.contains(where: { $0.isWhitespace }) {
            throw ValidationError("--profile needs a profile name, not '\(profile)'")
        }
    }

    /// The request for `env` with these options.
    func request(_ env: String, start: EnvironmentRequest.Start) -> EnvironmentRequest {
        var request = EnvironmentRequest(env: env, start: start)
        request.source = from
        request.profiles = profiles
        request.build = build
        request.timeoutSeconds = timeout
        return request
    }
}
