import CiloSystem
import Dispatch

/// Waiting for an environment's services (or a project's shared ones) to be ready.
extension ComposeStack {
    /// Polls Docker until every active service is ready: running (healthy, with a health
    /// check), or exited 0 when it is not restarted after success (a one-shot job). A
    /// service that exited otherwise, died or turned unhealthy fails at once, naming its
    /// exit code and last log lines.
    func waitUntilReady(_ record: EnvironmentRecord, services: [RenderedService], timeout: Double) async throws(CiloError) -> [ContainerInspection] {
        let engine = self.engine
        return try await waitUntilReady(services, timeout: timeout, naming: { "\($0) of '\(record.name)'" }) { () throws(CiloError) in
            try await engine.inspectContainers(project: record.project, env: record.name)
        }
    }

    /// Polls `inspect` until every one of `services` is ready (see above); `naming` says whose
    /// services they are in errors ("db of 'agent-1'", "shared service db of project 'shop'").
    func waitUntilReady(
        _ services: [RenderedService], timeout: Double, naming: (String) -> String,
        inspect: () async throws(CiloError) -> [ContainerInspection]
    ) async throws(CiloError) -> [ContainerInspection] {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while true {
            let containers = try await inspect()
            var waiting: [String] = []
            for service in services {
                let own = containers.filter { $0.service == service.name }
                guard !own.isEmpty else {
                    waiting.append(service.name)
                    continue
                }
                for container in own {
                    switch ServiceReadiness.judge(container.state, service: service, memoryLimit: container.memoryLimit) {
                    case .ready: break
                    case .waiting: waiting.append(service.name)
                    case .failed(let why):
                        let logs = await engine.logs(containerID: container.id)
                        throw CiloError(.failed, "service \(naming(service.name)) \(why); its last log lines:\n\(logs)")
                    }
                }
            }
            if waiting.isEmpty { return containers }
            if cancellation.isCancelled { throw CiloError(.cancelled, "cancelled") }
            if DispatchTime.now().uptimeNanoseconds > deadline {
                throw CiloError(.failed, "timed out after \(Int(timeout)) s waiting for \(naming(Set(waiting).sorted().joined(separator: ", ")))")
            }
            await Pause.seconds(0.25)
        }
    }
}
