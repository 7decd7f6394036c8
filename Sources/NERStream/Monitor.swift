import Foundation

/// State shared by the worker's threads (consumer, delivery reports) and its result task, with a
/// condition to wait on: the consumer thread blocks on it for room in flight, for a revoked
/// partition's results, and for the drain — blocking a dedicated thread, never the Swift pool.
final class Monitor<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    init(_ state: State) { self.state = state }

    /// Reads or changes the state; waiters re-check their condition afterwards.
    func update<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Blocks until `predicate` holds or `timeout` passes; returns whether it holds.
    @discardableResult
    func wait(until predicate: (State) -> Bool, timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(state) {
            if !condition.wait(until: deadline) { return predicate(state) }
        }
        return true
    }
}

/// Runs `body` on a thread of its own and returns its result when it has finished.
func onThread<Result: Sendable>(named name: String, _ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
        let thread = Thread {
            continuation.resume(returning: body())
        }
        thread.name = name
        thread.start()
    }
}
