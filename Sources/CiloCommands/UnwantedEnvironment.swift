import CiloCore
import CiloSystem

extension EnvironmentManager {
    /// Destroys `name`, which this command made and does not keep (`run --rm`, a failed
    /// `up --new`); what cannot be removed is a warning saying how to finish it.
    func destroyUnwanted(_ name: String) async {
        do throws(CiloError) { try await destroy(name) } catch {
            if error.code != .notFound { HostFacts.writeToStandardError("cilo: warning: \(name) was not removed: \(error.description) (cilo destroy \(name) retries)\n") }
        }
    }
}
