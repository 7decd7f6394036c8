import Foundation

/// Idle `ForwardWorkspace`s for concurrent callers of one pipeline: a caller borrows one for a
/// forward pass and returns it, so each pass has its buffers to itself and none is re-allocated.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [ForwardWorkspace] = []

    /// Runs `body` with a workspace of `threads` threads (borrowed, or made when none is idle).
    func withWorkspace<Result>(threads: Int, _ body: (ForwardWorkspace) throws -> Result) rethrows -> Result {
        let workspace = lock.withLock { () -> ForwardWorkspace? in
            guard let index = idle.lastIndex(where: { $0.pool.threads == threads }) else { return nil }
            return idle.remove(at: index)
        } ?? ForwardWorkspace(threads: threads)
        defer { lock.withLock { idle.append(workspace) } }
        return try body(workspace)
    }
}
