import ArgumentParser
import CiloCore
import Foundation

/// `--shared` and `--isolate`: which services run once for all the project's environments.
struct SharingOptions: ParsableArguments {
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
    func choice() throws(CiloError) -> SharingChoice {
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
}
