/// Whether one container of a service is where `up` wants it.
enum ServiceReadiness: Equatable {
    case ready
    case waiting
    /// Why it failed: `exited with code 2`, `is unhealthy`, ...
    case failed(String)

    /// Judges a container's state. A container that exited 0 and is not restarted after
    /// success is a finished one-shot job: ready. One that Docker restarts after a failure
    /// is waited for (until the timeout), unless it was killed for lack of memory: a limit
    /// below what it needs kills it again at every restart.
    static func judge(_ state: ContainerInspection.State, service: RenderedService, memoryLimit: Int? = nil) -> ServiceReadiness {
        if state.oomKilled {
            return .failed("was killed for lack of memory" + (memoryLimit.map { " (its limit is \(ByteFormatting.iec($0)))" } ?? ""))
        }
        // Killed (SIGKILL) under a memory limit and being restarted: a child the kernel killed
        // for memory took the main process with it; restarting will not give it more.
        if let memoryLimit, state.exitCode == 137, state.status == "restarting" || state.status == "exited" {
            return .failed("was killed (exit code 137) under its memory limit of \(ByteFormatting.iec(memoryLimit)), most likely for lack of memory")
        }
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
