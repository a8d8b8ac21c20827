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

    @Option(help: ArgumentHelp("When creating: copy this environment's workspace and volumes (as cilo fork) instead of cloning the project.", valueName: "env"))
    var fork: String?

    @Option(help: ArgumentHelp("When creating: fork this environment if the project has not changed since it was made, else clone the project and say why (over template: in .cilo/config.yml).", valueName: "env"))
    var template: String?

    @Option(help: ArgumentHelp(
        "When the machine holds no more environments: wait for a place, first come first served, SECONDS at most (default: as long as it takes) instead of exiting 75.",
        valueName: "seconds"))
    var wait: String?

    /// How `--engine auto` waits for an engine with room: as `--wait` says.
    var placementWaiting: EnvironmentPlacement.Waiting {
        guard let wait else { return .no }
        return Double(wait).map { .seconds($0) } ?? .forever
    }

    @Option(help: "Memory for every service that sets no limit (like 512m or 2g); kept for the environment's later starts.")
    var memory: String?

    @Option(help: "CPUs for every service that sets no limit (like 0.5 or 2).")
    var cpus: String?

    @Option(help: "Processes for every service that sets no limit.")
    var pids: String?

    @OptionGroup var sharing: SharingOptions

    @Flag(help: "Start what the workspace's compose file asks even where it reaches the host (privileged, cap_add, devices, host binds, host namespaces, ...) and the source's does not.")
    var trustWorkspace = false

    @Option(help: ArgumentHelp("Where a new environment goes: local, an engine's name (cilo engines add) or auto; default engine: in .cilo/config.yml, else local.", valueName: "name"))
    var engine: String?

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
        request.fork = try fork.map(NameRules.environmentName)
        request.template = try template.map(NameRules.environmentName)
        request.profiles = profiles
        request.build = build
        request.timeoutSeconds = timeout
        request.sharing = try sharing.choice()
        request.trustsWorkspace = trustWorkspace
        if let wait { request.admission = .wait(seconds: wait == "forever" ? nil : Double(wait)) }
        request.limits = try ResourceLimits.parse(memory: memory, cpus: cpus, pids: pids, names: ("--memory", "--cpus", "--pids"))
        return request
    }
}
