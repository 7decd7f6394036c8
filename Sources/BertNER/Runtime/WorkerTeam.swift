import Dispatch
import Foundation
import Synchronization

/// `threads − 1` persistent worker threads that run the parts of one parallel region with the
/// calling thread.
///
/// A forward pass has ~7 regions per layer, some only tens of microseconds long, so the hand-off
/// must be cheaper than that: workers spin on a generation counter for a short while after each
/// region (the next one usually starts within microseconds) and only then sleep on a semaphore.
/// The work is handed over as an address and a type (`ParallelWork`), not a closure, so starting
/// a region allocates nothing.
/// Waking a sleeping thread per region (as `DispatchQueue.concurrentPerform` does, which also
/// allocates twice per call) made two threads slower than one on the default model at 1×32.
/// The bounded spin is the difference from OpenBLAS's own threads, which keep spinning long
/// enough to starve a neighbour when cores are shared.
///
/// One region at a time: a team belongs to one `ForwardWorkspace`, which serves one pass at a time.
final class WorkerTeam: @unchecked Sendable {
    /// What the workers share; they hold this, not the team, so the team's `deinit` can stop them.
    private final class Shared: @unchecked Sendable {
        var workType: (any ParallelWork.Type)?
        var workAddress: UnsafeRawPointer?
        var parts = 0
        let generation = Atomic<Int>(0)
        let remaining = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        /// Bit w set: worker w is asleep (or about to be) on `wakeUp[w]`.
        let sleeping = Atomic<UInt64>(0)
        let wakeUp: [DispatchSemaphore]

        init(workers: Int) {
            wakeUp = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        }
    }

    /// Spins before a worker sleeps: ~0.1–0.3 ms, longer than the gap between regions of a pass.
    static let spinLimit = 50_000

    let threads: Int
    private let shared: Shared

    init(threads: Int) {
        self.threads = min(64, max(1, threads))  // one bit per worker in `sleeping`
        shared = Shared(workers: self.threads - 1)
        for worker in 0..<(self.threads - 1) {
            let shared = self.shared
            let thread = Thread { Self.workerLoop(shared, worker: worker) }
            thread.name = "bertner-worker-\(worker + 1)"
            thread.start()
        }
    }

    /// Workers that have announced a nap (for tests that must reach the sleeping path).
    var sleepingWorkers: Int { shared.sleeping.load(ordering: .sequentiallyConsistent).nonzeroBitCount }

    deinit {
        shared.stopping.store(true, ordering: .sequentiallyConsistent)
        shared.generation.add(1, ordering: .sequentiallyConsistent)
        Self.wakeSleepers(shared)
    }

    /// Signals every worker that announced a nap (clearing the announcements).
    private static func wakeSleepers(_ shared: Shared) {
        let asleep = shared.sleeping.exchange(0, ordering: .sequentiallyConsistent)
        guard asleep != 0 else { return }
        for worker in shared.wakeUp.indices where asleep & (1 << UInt64(worker)) != 0 {
            shared.wakeUp[worker].signal()
        }
    }

    private static func workerLoop(_ shared: Shared, worker: Int) {
        var seen = 0
        while true {
            var spins = 0
            while shared.generation.load(ordering: .acquiring) == seen {
                spins += 1
                guard spins > spinLimit else { continue }
                // Announce the nap, then look once more so a region started in between is not missed;
                // whoever clears the flag (the starter or this thread) decides who consumes a signal.
                let bit: UInt64 = 1 << UInt64(worker)
                shared.sleeping.bitwiseOr(bit, ordering: .sequentiallyConsistent)
                if shared.generation.load(ordering: .sequentiallyConsistent) != seen,
                   shared.sleeping.bitwiseAnd(~bit, ordering: .sequentiallyConsistent).oldValue & bit != 0 {
                    break
                }
                shared.wakeUp[worker].wait()
                spins = 0
            }
            seen = shared.generation.load(ordering: .acquiring)
            if shared.stopping.load(ordering: .acquiring) { return }
            if worker + 1 < shared.parts, let type = shared.workType, let address = shared.workAddress {
                perform(type, at: address, part: worker + 1, of: shared.parts)
            }
            // Every worker reports, taking part or not: the starter then knows nobody still
            // reads this region's job or part count when it sets up the next one.
            shared.remaining.subtract(1, ordering: .releasing)
        }
    }

    private static func perform<Work: ParallelWork>(_ type: Work.Type, at address: UnsafeRawPointer, part: Int, of parts: Int) {
        address.assumingMemoryBound(to: Work.self).pointee.run(part: part, of: parts)
    }

    /// Runs part 0 of `work` on the calling thread and parts `1..<parts` on workers; returns when
    /// all are done.
    func run<Work: ParallelWork>(parts: Int, _ work: Work) {
        precondition(parts <= threads, "a region has at most one part per thread")
        guard parts > 1 else {
            if parts == 1 { work.run(part: 0, of: 1) }
            return
        }
        withUnsafePointer(to: work) { address in
            shared.workType = Work.self
            shared.workAddress = UnsafeRawPointer(address)
            shared.parts = parts
            shared.remaining.store(threads - 1, ordering: .relaxed)
            shared.generation.add(1, ordering: .sequentiallyConsistent)  // publishes the work and parts
            Self.wakeSleepers(shared)
            work.run(part: 0, of: parts)
            var spins = 0
            while shared.remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > Self.spinLimit { sched_yield() }  // a worker was descheduled: let it run
            }
            shared.workType = nil
            shared.workAddress = nil
        }
    }
}
