/// Asking several engines the same thing.
extension RemoteEngine {
    /// Asks every engine `question` at once (a task group): the cost is the slowest engine's,
    /// not the sum. - Returns: each engine's answer or failure, in the order of `engines`.
    public static func askingEach<Answer: Sendable>(
        _ engines: [Engine], _ question: @escaping @Sendable (RemoteEngine) async throws(CiloError) -> Answer
    ) async -> [Result<Answer, CiloError>] {
        let answers = await withTaskGroup(of: (Int, Result<Answer, CiloError>).self) { group in
            for (index, engine) in engines.enumerated() {
                group.addTask {
                    do throws(CiloError) { return (index, .success(try await question(RemoteEngine(engine: engine)))) } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var answers: [Int: Result<Answer, CiloError>] = [:]
            for await (index, answer) in group { answers[index] = answer }
            return answers
        }
        return engines.indices.map { answers[$0] ?? .failure(CiloError(.failed, "engine \(engines[$0].name) gave no answer")) }
    }
}
