import Dispatch
import Synchronization

/// A last-in-first-out queue of work shared by a fixed set of worker threads.
///
/// Work may add more work. The queue is finished when every item pushed has been
/// marked done; then `next()` returns nil to every worker. Last-in-first-out keeps
/// the walk close to depth-first, which bounds the directories open at once.
final class WorkQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var outstanding = 0
        var finished = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let workers: Int

    init(workers: Int) {
        self.workers = workers
    }

    /// Adds an item; it counts as outstanding until `done()` is called for it.
    func push(_ item: sending Item) {
        state.withLock { state in
            state.items.append(item)
            state.outstanding += 1
        }
        available.signal()
    }

    /// Waits for an item; nil once all work is done.
    func next() -> Item? {
        while true {
            available.wait()
            let item: Item?? = state.withLock { state in
                if let item = state.items.popLast() { return .some(item) }
                return state.finished ? .some(nil) : nil
            }
            if let item { return item }
        }
    }

    /// Marks one item finished (after any items it pushed were pushed).
    func done() {
        let finishedNow = state.withLock { state -> Bool in
            state.outstanding -= 1
            if state.outstanding == 0 && !state.finished {
                state.finished = true
                return true
            }
            return false
        }
        if finishedNow {
            for _ in 0..<workers { available.signal() }
        }
    }
}
