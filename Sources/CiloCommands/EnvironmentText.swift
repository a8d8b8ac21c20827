import CiloCore
import CiloSystem

/// Human output for environments.
enum EnvironmentText {
    /// One line a service: name, address, container ports, status.
    static func services(_ record: EnvironmentRecord) -> String {
        let rows = [["SERVICE", "ADDRESS", "PORTS", "STATUS"]] + record.services.map {
            ["  " + $0.name, $0.ip ?? "-", $0.ports.isEmpty ? "-" : $0.ports.joined(separator: ","), $0.status]
        }
        return Table.render(rows)
    }

    /// Prints each warning as one `cilo: warning:` line on standard error.
    static func printWarnings(_ warnings: [String]) {
        for warning in warnings { HostFacts.writeToStandardError("cilo: warning: \(warning)\n") }
    }
}
