import Dispatch
import Foundation
import Synchronization

/// `threads − 1` persistent worker threads that run the parts of one parallel region with the
/// calling thread.
///
/// A forward pass has ~7 regions per layer, some only tens of microseconds long, so the hand-off
/// must be cheaper than that: workers spin on the region's ticket for a short while after each
/// region (the next one usually starts within microseconds) and only then sleep on a semaphore.
/// The work is handed over as an address and a type (`ParallelWork`), not a closure, so starting
/// a region allocates nothing.
/// Waking a sleeping thread per region (as `DispatchQueue.concurrentPerform` does, which also
/// allocates twice per call) made two threads slower than one on the default model at 1×32.
/// The bounded spin is the difference from OpenBLAS's own threads, which keep spinning long
/// enough to starve a neighbour when cores are shared.
///
/// Parts are claimed, not assigned: whichever thread is running takes the next unclaimed part, and
/// the caller returns once every part is done, without waiting for workers that took none. In a
/// server the cores are shared with HTTP and decoding threads; with parts assigned per thread, a
/// worker that was preempted or asleep held up every region until it ran.
///
/// One region at a time: a team belongs to one `ForwardWorkspace`, which serves one pass at a time.
final class WorkerTeam: @unchecked Sendable {
    /// What the workers share; they hold this, not the team, so the team's `deinit` can stop them.
    private final class Shared: @unchecked Sendable {
        /// The current region's work; written by the caller before it publishes the region's
        /// ticket, read by a thread only after it claimed a part of that region.
        var workType: (any ParallelWork.Type)?
        var workAddress: UnsafeRawPointer?
        let ticket = Atomic<UInt64>(0)
        /// Parts of the current region finished by workers.
        let finished = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        /// Bit w set: worker w is asleep (or about to be) on `wakeUp[w]`.
        let sleeping = Atomic<UInt64>(0)
        let wakeUp: [DispatchSemaphore]

        init(workers: Int) {
            wakeUp = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        }
    }

    /// A region's generation, part count and next unclaimed part in one word, so that a claim is
    /// one compare-and-swap and a thread still holding an old region's ticket cannot claim a part
    /// of the next one.
    struct Ticket {
        static let partBits: UInt64 = 12
        static let maximumParts = Int(1 << partBits) - 1
        private static let partMask: UInt64 = (1 << partBits) - 1

        var raw: UInt64

        init(raw: UInt64) { self.raw = raw }

        init(generation: UInt64, parts: Int) {
            raw = generation << (2 * Self.partBits) | UInt64(parts) << Self.partBits
        }

        var generation: UInt64 { raw >> (2 * Self.partBits) }
        var parts: Int { Int(raw >> Self.partBits & Self.partMask) }
        var next: Int { Int(raw & Self.partMask) }
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
        let current = Ticket(raw: shared.ticket.load(ordering: .relaxed))
        shared.ticket.store(Ticket(generation: current.generation + 1, parts: 0).raw, ordering: .sequentiallyConsistent)
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

    /// Takes the next unclaimed part of `ticket`'s region: nil when none is left or the region is
    /// over. Acquires the region's work on success.
    private static func claim(_ shared: Shared, _ ticket: inout Ticket) -> Int? {
        while ticket.next < ticket.parts {
            let (claimed, found) = shared.ticket.compareExchange(expected: ticket.raw, desired: ticket.raw + 1,
                                                                 ordering: .acquiringAndReleasing)
            if claimed {
                defer { ticket.raw += 1 }
                return ticket.next
            }
            let current = Ticket(raw: found)
            guard current.generation == ticket.generation else { return nil }
            ticket = current
        }
        return nil
    }

    private static func workerLoop(_ shared: Shared, worker: Int) {
        var seen: UInt64 = 0
        while true {
            var spins = 0
            var ticket = Ticket(raw: shared.ticket.load(ordering: .acquiring))
            while ticket.generation == seen {
                spins += 1
                if spins > spinLimit {
                    // Announce the nap, then look once more so a region started in between is not
                    // missed; whoever clears the flag (the starter or this thread) decides who
                    // consumes a signal.
                    let bit: UInt64 = 1 << UInt64(worker)
                    shared.sleeping.bitwiseOr(bit, ordering: .sequentiallyConsistent)
                    if Ticket(raw: shared.ticket.load(ordering: .sequentiallyConsistent)).generation != seen,
                       shared.sleeping.bitwiseAnd(~bit, ordering: .sequentiallyConsistent).oldValue & bit != 0 {
                        ticket = Ticket(raw: shared.ticket.load(ordering: .acquiring))
                        break
                    }
                    shared.wakeUp[worker].wait()
                    spins = 0
                }
                ticket = Ticket(raw: shared.ticket.load(ordering: .acquiring))
            }
            seen = ticket.generation
            if shared.stopping.load(ordering: .acquiring) { return }
            while let part = claim(shared, &ticket) {
                if let type = shared.workType, let address = shared.workAddress {
                    perform(type, at: address, part: part, of: ticket.parts)
                }
                shared.finished.add(1, ordering: .releasing)
            }
        }
    }

    private static func perform<Work: ParallelWork>(_ type: Work.Type, at address: UnsafeRawPointer, part: Int, of parts: Int) {
        address.assumingMemoryBound(to: Work.self).pointee.run(part: part, of: parts)
    }

    /// Runs parts `0..<parts` of `work` on the calling thread and on whichever workers join in;
    /// returns when all are done. `parts` may exceed `threads` (at most `Ticket.maximumParts`).
    func run<Work: ParallelWork>(parts: Int, _ work: Work) {
        precondition(parts <= Ticket.maximumParts, "a region has at most \(Ticket.maximumParts) parts")
        guard parts > 1, threads > 1 else {
            for part in 0..<max(0, parts) { work.run(part: part, of: parts) }
            return
        }
        withUnsafePointer(to: work) { address in
            shared.workType = Work.self
            shared.workAddress = UnsafeRawPointer(address)
            shared.finished.store(0, ordering: .relaxed)
            let previous = Ticket(raw: shared.ticket.load(ordering: .relaxed))
            var ticket = Ticket(generation: previous.generation + 1, parts: parts)
            shared.ticket.store(ticket.raw, ordering: .releasing)  // publishes the work
            Self.wakeSleepers(shared)
            var own = 0
            while let part = Self.claim(shared, &ticket) {
                work.run(part: part, of: parts)
                own += 1
            }
            var spins = 0
            while shared.finished.load(ordering: .acquiring) < parts - own {
                spins += 1
                if spins > Self.spinLimit { sched_yield() }  // a worker was descheduled: let it run
            }
            shared.workType = nil
            shared.workAddress = nil
        }
    }
}
