/// The same question asked of several things at once (a task group): the cost is the slowest
/// answer's, not the sum.
enum SideBySide {
    /// `body` of each of `items` at once. - Returns: each answer or failure, in the order of `items`.
    static func each<Item: Sendable, Answer: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async throws(CiloError) -> Answer
    ) async -> [Result<Answer, CiloError>] {
        let answers = await withTaskGroup(of: (Int, Result<Answer, CiloError>).self) { group in
            for (index, item) in items.enumerated() {
                group.addTask {
                    do throws(CiloError) { return (index, .success(try await body(item))) } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var answers: [Int: Result<Answer, CiloError>] = [:]
            for await (index, answer) in group { answers[index] = answer }
            return answers
        }
        return items.indices.map { answers[$0] ?? .failure(CiloError(.failed, "a question asked side by side got no answer")) }
    }
}
