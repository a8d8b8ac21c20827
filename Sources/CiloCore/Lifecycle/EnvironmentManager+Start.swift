import CiloSystem

/// The start step of a transaction, with its rollback.
extension EnvironmentManager {
    /// Starts the environment's services on its own network and waits until each runs (and
    /// is healthy where it has a health check) or, a one-shot job, has exited 0. The
    /// caller holds the lock. On failure nothing is left running and the record says `failed`
    /// (`stopped` when Ctrl-C stopped it).
    func startLocked(_ record: inout EnvironmentRecord, rendered: ComposeIsolation.Result?, request: EnvironmentRequest) async throws(CiloError) {
        do throws(CiloError) {
            let superseded = try await stack.start(&record, rendered: rendered, request: request)
            record.status = .running
            record.lastError = nil
            try store.save(record)
            // An image this environment built before its context changed, if nothing else uses it;
            // one that cannot go is said, and the environment still runs.
            do throws(CiloError) { try await removal.removeImages(superseded, of: record) } catch {
                warn("an image \(record.name) no longer uses was kept: \(error.description)")
            }
        } catch where error.code == .refused {
            // Judged before anything started: the environment stays as it was.
            throw error
        } catch {
            throw await rollBackStart(&record, after: error)
        }
    }

    /// Nothing half-running: stops what started, keeps the workspace, records what failed.
    /// Never composes down a project another cilo home runs under the same name.
    /// - Returns: the error to report, with what the rollback could not do in its note.
    private func rollBackStart(_ record: inout EnvironmentRecord, after error: CiloError) async -> CiloError {
        let othersProject = error.code == .anotherHome
        var failure = error
        if !othersProject {
            do throws(CiloError) {
                let stopped = try await stack.compose(record, ["down", "--remove-orphans"])
                if !stopped.succeeded { failure.note = "stopping its services failed too (\(stopped.tail(1))): cilo down \(record.name) retries" }
            } catch let stopping {
                failure.note = "stopping its services failed too (\(stopping.description)): cilo down \(record.name) retries"
            }
            // Nothing left half-attached: the shared services it joined (or began to) are left.
            do throws(CiloError) { try await sharedServices.leave(record, grace: project.config.sharedGraceSeconds) } catch let leaving {
                failure.note = (failure.note.map { $0 + "; " } ?? "") + "leaving its shared services failed: \(leaving.description)"
            }
        }
        record.status = cancellation.isCancelled ? .stopped : .failed
        record.lastError = error.description
        do throws(CiloError) { try store.save(record) } catch let saving {
            failure.note = (failure.note.map { $0 + "; " } ?? "") + "and recording it failed: \(saving.description)"
        }
        if cancellation.isCancelled {
            return CiloError(.cancelled, "up of '\(record.name)' cancelled; its services were stopped (cilo up \(record.name) starts them)")
        }
        return failure
    }
}
