import Synchronization
import Testing
@_spi(Benchmarks) @testable import BertNER

/// The hand-off between the calling thread and the pool's workers: every part of every region
/// runs exactly once, whatever the mix of region sizes, including regions with fewer parts than
/// threads (idle workers must not run a stale job), more parts than threads (claimed by whoever
/// is free) and pauses long enough for workers to sleep.
@Suite("Compute pool")
struct ComputePoolTests {
    @Test("each part of 2,000 regions of 1 to 3 × threads parts runs exactly once, on 1, 2 and 4 threads")
    func everyPartOnce() async throws {
        for threads in [1, 2, 4] {
            let pool = ComputePool(threads: threads)
            let counts = PartCounts(parts: 3 * threads)
            var expected = [Int](repeating: 0, count: 3 * threads)
            for region in 0..<2_000 {
                let parts = 1 + region % (3 * threads)
                pool.run(parts: parts, counts)
                for part in 0..<parts { expected[part] += 1 }
                // Every 500 regions, let every worker fall asleep (the gate is their own state), so
                // the next region takes the wake-up path.
                if region % 500 == 499 {
                    while pool.sleepingWorkers < threads - 1 { await Task.yield() }
                }
            }
            #expect(counts.values == expected, "\(threads) threads")
        }
    }

    @Test("row and column blocks tile the range without gaps or overlaps")
    func blocksTile() {
        for count in [0, 1, 13, 64, 100, 768, 3072] {
            for parts in 1...4 {
                let blocks = (0..<parts).map { ComputePool.block($0, of: parts, in: count, multiple: 16) }
                #expect(blocks.first?.lowerBound == 0 && blocks.last?.upperBound == count)
                for (a, b) in zip(blocks, blocks.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            }
        }
    }
}

/// Work that counts how often each part ran.
private final class PartCounts: ParallelWork {
    private let counts: Mutex<[Int]>

    init(parts: Int) { counts = Mutex([Int](repeating: 0, count: parts)) }

    var values: [Int] { counts.withLock { $0 } }

    func run(part: Int, of parts: Int) { counts.withLock { $0[part] += 1 } }
}
