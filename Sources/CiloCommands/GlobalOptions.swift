import ArgumentParser
import CiloCore
import CiloSystem

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "On failure, print the whole chain of causes.")
    var verbose = false

    /// Prints `error` as one line (or its cause tree with `--verbose`) and returns the exit code to use.
    func report(_ error: CiloError) -> ExitCode {
        let text = verbose ? error.detailedDescription : error.description
        HostFacts.writeToStandardError("cilo: error: \(text)\n")
        switch error.code {
        case .cancelled: return ExitCode(130)
        case .commandNotFound: return ExitCode(127)
        case .busy: return ExitCode(75)
        default: return ExitCode.failure
        }
    }
}
