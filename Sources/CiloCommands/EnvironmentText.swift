import CiloCore
import CiloSystem

/// Human output for environments.
enum EnvironmentText {
    /// One line a service: name, address, container ports, status.
    static func services(_ record: EnvironmentRecord) -> String {
        let rows = [["SERVICE", "ADDRESS", "PORTS", "STATUS"]] + record.services.map {
            ["  " + $0.name, $0.ip ?? "-", $0.ports.isEmpty ? "-" : $0.ports.joined(separator: ","), statusText($0)]
        }
        return Table.render(rows)
    }

    /// `running`, with `killed for lack of memory` and the restarts when Docker reports them.
    static func statusText(_ service: ServiceRecord) -> String {
        var text = service.status
        if service.oomKilled == true { text += ", killed for lack of memory" }
        if let restarts = service.restartCount, restarts > 0 { text += ", \(restarts) restart\(restarts == 1 ? "" : "s")" }
        if service.shared == true {
            let others = service.usedBy.map { $0.isEmpty ? "" : " by " + $0.joined(separator: ", ") } ?? ""
            text += ", shared\(others)"
        }
        return text
    }

    /// Prints each warning as one `cilo: warning:` line on standard error.
    static func printWarnings(_ warnings: [String]) {
        for warning in warnings { HostFacts.writeToStandardError("cilo: warning: \(warning)\n") }
    }
}
