/// Waiting between two looks at something (a container becoming ready, a place in line, a
/// server answering). The loops that pause check cilo's own cancellation flag after each pause,
/// so a pause that task cancellation cuts short simply ends early.
enum Pause {
    static func seconds(_ seconds: Double) async {
        do { try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9)) } catch {
            // Cancelled: the caller's next check of its flag (or its deadline) decides what follows.
        }
    }
}
