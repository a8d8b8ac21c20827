import CiloSystem
import SystemPackage

extension ChildProcess {
    /// Waits for the child to end on a thread of its own (never blocking the cooperative pool).
    public func termination() async throws(CiloError) -> Termination {
        let child = self
        return try await WorkerThreads.offload { () throws(CiloError) -> Termination in
            do throws(Errno) { return try child.waitForTermination() } catch {
                throw .system(error, "cannot wait for the command (pid \(child.pid))", path: nil)
            }
        }
    }
}
