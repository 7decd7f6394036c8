import COpenBLAS

/// Splits the parts of a forward pass across up to `threads` cores: GEMM outputs by column
/// blocks, row-wise operations by row blocks, attention by (sequence, head) pairs.
///
/// BertNER does the splitting itself and keeps OpenBLAS single-threaded inside each part.
/// OpenBLAS's own workers busy-wait between calls: that wastes the second core on attention's
/// many small products, and when the cores are shared (two replicas on one node, a training job)
/// latency collapsed — base model 1×128 took 2.4 s instead of 0.3 s next to a niced job.
struct ComputePool: Sendable {
    var threads: Int { team.threads }
    /// Workers asleep between regions (0 … threads − 1).
    var sleepingWorkers: Int { team.sleepingWorkers }
    private let team: WorkerTeam
    /// The int8/bf16 layers' converted inputs and raw products (unused in fp32).
    let scratch = ProductScratch()
    /// One single-thread pool per thread (none for one thread), each with its own scratch: what a
    /// thread runs its group of sequences on when a layer runs in `SequenceLanes`.
    let lanes: [ComputePool]

    init(threads: Int) {
        team = WorkerTeam(threads: threads)
        lanes = team.threads > 1 ? (0..<team.threads).map { _ in ComputePool(threads: 1) } : []
        BLASThreads.set(1)
    }

    /// Runs `work` as parts `0..<parts`, claimed by the calling thread and the workers in turn.
    /// Allocation-free: the work is handed to the workers by address.
    @inline(__always)
    func run<Work: ParallelWork>(parts: Int, _ work: Work) {
        team.run(parts: parts, work)
    }

    /// Parts for row-wise work over `count` rows: one per thread, fewer for tiny inputs.
    func rowParts(_ count: Int, minimumRows: Int = 4) -> Int {
        min(threads, max(1, count / minimumRows))
    }

    /// Parts for a GEMM over `count` output columns: each block should be worth a call of its own.
    func columnParts(_ count: Int, minimumColumns: Int = 64) -> Int {
        min(threads, max(1, count / minimumColumns))
    }

    /// Whether a GEMM over `rows` input rows splits its rows (tokens) rather than its output
    /// columns across threads. OpenBLAS packs both operands on every call, and each thread packs
    /// all of the operand it does not split. Column blocks suit short inputs: the weight is packed
    /// once in all, the few input rows twice. Row blocks suit long ones: the input is packed once,
    /// and packing the weight twice is small next to the product.
    func splitsRows(_ rows: Int) -> Bool {
        threads > 1 && rows >= ComputePool.rowSplitThreshold
    }

    static let rowSplitThreshold = 256

    /// Part `index` of `parts` near-equal blocks of `0..<count`, block edges rounded to `multiple`
    /// (16 floats for column blocks, so they start on cache lines).
    static func block(_ index: Int, of parts: Int, in count: Int, multiple: Int) -> Range<Int> {
        func edge(_ k: Int) -> Int {
            if k == parts { return count }
            return min(count, (count * k / parts + multiple / 2) / multiple * multiple)
        }
        return edge(index)..<edge(index + 1)
    }
}

/// The work of one parallel region: `run(part:of:)` does part `part` of `parts`. A struct of the
/// region's inputs, handed to the workers by address and type, so starting a region allocates
/// nothing.
protocol ParallelWork: Sendable {
    func run(part: Int, of parts: Int)
}
