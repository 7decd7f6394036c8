import COpenBLAS

/// Splits the parts of a forward pass across up to `threads` cores: GEMM outputs by column
/// blocks, row-wise operations by row blocks, attention by (sequence, head) pairs.
///
/// BertNER does the splitting itself and keeps OpenBLAS single-threaded inside each part.
/// OpenBLAS's own workers busy-wait between calls: that wastes the second core on attention's
/// many small products, and when the cores are shared (two replicas on one node, a training job)
/// latency collapsed — base model 1×128 took 2.4 s instead of 0.3 s next to a niced job.
public struct ComputePool: Sendable {
    public var threads: Int { team.threads }
    private let team: WorkerTeam

    public init(threads: Int) {
        team = WorkerTeam(threads: threads)
        BLASThreads.set(1)
    }

    /// Runs `body(part)` for every part in `0..<parts` (at most `threads`), in parallel when there
    /// are several.
    @inline(__always)
    public func run(parts: Int, _ body: @Sendable (Int) -> Void) {
        team.run(parts: parts, body)
    }

    /// `body(rows)` over contiguous row blocks of `0..<count`, one per thread (fewer for tiny inputs).
    public func forEachRowBlock(_ count: Int, minimumRows: Int = 4, _ body: @Sendable (Range<Int>) -> Void) {
        let parts = min(threads, max(1, count / minimumRows))
        run(parts: parts) { body(Self.block($0, of: parts, in: count, multiple: 1)) }
    }

    /// `body(columns)` over column blocks of `0..<count` (multiples of 16 floats, so blocks start
    /// on cache lines); each block should be worth a GEMM call of its own.
    public func forEachColumnBlock(_ count: Int, minimumColumns: Int = 64, _ body: @Sendable (Range<Int>) -> Void) {
        let parts = min(threads, max(1, count / minimumColumns))
        run(parts: parts) { body(Self.block($0, of: parts, in: count, multiple: 16)) }
    }

    /// Part `index` of `parts` near-equal blocks of `0..<count`, block edges rounded to `multiple`.
    static func block(_ index: Int, of parts: Int, in count: Int, multiple: Int) -> Range<Int> {
        func edge(_ k: Int) -> Int {
            if k == parts { return count }
            return min(count, (count * k / parts + multiple / 2) / multiple * multiple)
        }
        return edge(index)..<edge(index + 1)
    }
}

/// OpenBLAS' worker-thread count (process-wide). `ComputePool` sets it to 1.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }

    public static func set(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }
}
