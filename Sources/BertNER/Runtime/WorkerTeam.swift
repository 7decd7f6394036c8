import Dispatch
import Foundation

/// `threads − 1` persistent worker threads that run the parts of one parallel region with the
/// calling thread. Unlike `DispatchQueue.concurrentPerform`, which allocates a box and a block
/// per call (two heap allocations × ~30 regions per pass), starting a region here allocates
/// nothing: the job is handed over by pointer and semaphores order the hand-off.
///
/// One region at a time: a team belongs to one `ForwardWorkspace`, which serves one pass at a time.
final class WorkerTeam: @unchecked Sendable {
    /// What the workers share; they hold this, not the team, so the team's `deinit` can stop them.
    private final class Shared: @unchecked Sendable {
        var job: ((Int) -> Void)?
        var stopping = false
        let start: [DispatchSemaphore]
        let finished = DispatchSemaphore(value: 0)

        init(workers: Int) {
            start = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        }
    }

    let threads: Int
    private let shared: Shared

    init(threads: Int) {
        self.threads = max(1, threads)
        shared = Shared(workers: self.threads - 1)
        for worker in 0..<(self.threads - 1) {
            let shared = self.shared
            let thread = Thread {
                while true {
                    shared.start[worker].wait()
                    if shared.stopping { return }
                    shared.job?(worker + 1)
                    shared.finished.signal()
                }
            }
            thread.name = "bertner-worker-\(worker + 1)"
            thread.start()
        }
    }

    deinit {
        shared.stopping = true
        for semaphore in shared.start { semaphore.signal() }
    }

    /// Runs `body(0)` on the calling thread and `body(1..<parts)` on workers; returns when all are done.
    func run(parts: Int, _ body: (Int) -> Void) {
        precondition(parts <= threads, "a region has at most one part per thread")
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            shared.job = body
            for worker in 0..<(parts - 1) { shared.start[worker].signal() }
            body(0)
            for _ in 0..<(parts - 1) { shared.finished.wait() }
            shared.job = nil
        }
    }
}
