import NERServing
import Synchronization

/// The tests' `QueueObserver`: a gate that holds the inference loop before its next batch
/// (`pause` / `resume`; requests still queue), and waits for the queue to reach a state
/// (`waitUntil`) — so that tests order events by explicit gates, never by sleeping. A paused gate
/// holds the loop even through a shutdown: resume it before the test ends.
final class QueueGate: QueueObserver {
    private struct Waiter {
        let condition: @Sendable (QueueSnapshot) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var snapshot = QueueSnapshot()
        var paused = false
        var held: [CheckedContinuation<Void, Never>] = []
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    /// The queue as of its last change.
    var snapshot: QueueSnapshot { state.withLock { $0.snapshot } }

    func pause() {
        state.withLock { $0.paused = true }
    }

    func resume() {
        let held = state.withLock { state in
            state.paused = false
            defer { state.held = [] }
            return state.held
        }
        held.forEach { $0.resume() }
    }

    /// Returns once `condition` holds for the queue (checked now and at every change).
    func waitUntil(_ condition: @escaping @Sendable (QueueSnapshot) -> Bool) async {
        await withCheckedContinuation { continuation in
            let holds = state.withLock { state -> Bool in
                if condition(state.snapshot) { return true }
                state.waiters.append(Waiter(condition: condition, continuation: continuation))
                return false
            }
            if holds { continuation.resume() }
        }
    }

    func queueChanged(_ snapshot: QueueSnapshot) {
        let satisfied = state.withLock { state -> [Waiter] in
            state.snapshot = snapshot
            let satisfied = state.waiters.filter { $0.condition(snapshot) }
            state.waiters.removeAll { $0.condition(snapshot) }
            return satisfied
        }
        satisfied.forEach { $0.continuation.resume() }
    }

    func batchMayStart() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state -> Bool in
                if !state.paused { return true }
                state.held.append(continuation)
                return false
            }
            if open { continuation.resume() }
        }
    }
}
