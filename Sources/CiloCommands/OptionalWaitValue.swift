import ArgumentParser
import CiloSystem

/// `--wait [SECONDS]` on `up` and `run`: ArgumentParser has no option with an optional
/// value, so a `--wait` not followed by a number is rewritten to `--wait=forever` before
/// parsing. Only cilo's own options are looked at: for `run`, scanning stops at the
/// command (its arguments may hold a `--wait` of their own).
enum OptionalWaitValue {
    /// The options of `up` and `run` that take a value (skipped with it while scanning).
    static let valueOptions: Set<String> = [
        "--profile", "--timeout", "--from", "--project", "-e", "--env", "--memory", "--cpus", "--pids", "--wait",
        "--sandbox-network", "--keep-fds", "--shared", "--isolate",
    ]

    static func rewrite(_ arguments: [String]) -> [String] {
        guard let commandIndex = arguments.indices.dropFirst().first(where: { !arguments[$0].hasPrefix("-") }),
            ["up", "run"].contains(arguments[commandIndex])
        else { return arguments }
        let stopsAtPositional = arguments[commandIndex] == "run"
        var result = Array(arguments[...commandIndex])
        var index = commandIndex + 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            if argument == "--wait" {
                let next = index + 1 < arguments.count ? arguments[index + 1] : nil
                if let next, Double(next) != nil {
                    result += [argument, next]
                    index += 2
                } else {
                    result.append("--wait=forever")
                    index += 1
                }
                continue
            }
            if valueOptions.contains(argument) && index + 1 < arguments.count {
                result += [argument, arguments[index + 1]]
                index += 2
                continue
            }
            if !argument.hasPrefix("-") && stopsAtPositional {
                result += arguments[index...]
                break
            }
            result.append(argument)
            index += 1
        }
        return result
    }
}

extension CiloCommand {
    /// Parses and runs the process's command line (with `--wait`'s optional value made explicit).
    public static func runCommandLine() async {
        HostFacts.restoreOuterLibraryPath()
        await main(Array(OptionalWaitValue.rewrite(CommandLine.arguments).dropFirst()))
    }
}
