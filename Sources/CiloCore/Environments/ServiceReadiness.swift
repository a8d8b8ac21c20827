/// Whether one container of a service is where `up` wants it.
enum ServiceReadiness: Equatable {
    case ready
    case waiting
    /// Why it failed: `exited with code 2`, `is unhealthy`, ...
    case failed(String)

    /// Judges a container's state. A container that exited 0 and is not restarted after
    /// success is a finished one-shot job: ready. One that Docker restarts after a failure
    /// is waited for (until the timeout).
    static func judge(_ state: ContainerInspection.State, service: RenderedService) -> ServiceReadiness {
        switch state.status {
        case "running":
            switch state.health {
            case nil, "healthy": return .ready
            case "unhealthy": return .failed("is unhealthy")
            default: return .waiting
            }
        case "exited":
            if state.exitCode == 0 { return service.restartsAfterSuccess ? .waiting : .ready }
            // Docker starts it again: a moment between two runs, not yet a failure.
            return service.restartsAfterFailure ? .waiting : .failed("exited with code \(state.exitCode)")
        case "dead":
            return .failed("is dead")
        default:
            return .waiting  // created, restarting, paused, removing
        }
    }
}
