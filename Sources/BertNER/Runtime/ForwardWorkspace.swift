/// The buffers one forward pass writes into, kept between passes so that steady-state inference
/// allocates nothing: they grow to the largest batch seen and stay that size.
///
/// A workspace serves one forward pass at a time; `NERPipeline` keeps one per concurrent caller
/// (`WorkspacePool`). That discipline, not the type system, is what makes it `Sendable`.
public final class ForwardWorkspace: @unchecked Sendable {
    package let pool: ComputePool
    private var memory: UnsafeMutablePointer<Float>?
    private var capacity = 0  // floats

    /// The activations of one batch, all `[tokens, width]` row-major.
    package struct Buffers: @unchecked Sendable {
        package var hidden: MatrixSlice
        package var queryKeyValue: MatrixSlice
        package var context: MatrixSlice
        package var attended: MatrixSlice
        package var intermediate: MatrixSlice
        package var logits: MatrixSlice
        /// `pool.threads` scratch blocks of `longest²` attention scores, one per thread.
        package var scores: UnsafeMutablePointer<Float>
        package var scoresPerThread: Int
    }

    public init(threads: Int = 1) {
        pool = ComputePool(threads: threads)
    }

    deinit { memory?.deallocate() }

    /// Buffers for `tokens` packed tokens whose longest sequence is `longest`, valid until the next call.
    func buffers(config: BertConfig, tokens: Int, longest: Int) -> Buffers {
        let h = config.hiddenSize
        // Regions start on 64-byte boundaries relative to the allocation.
        func rounded(_ count: Int) -> Int { (count + 15) / 16 * 16 }
        // hidden, Q|K|V, context, attended, intermediate, logits (a tuple: no allocation per pass).
        let widths = (h, 3 * h, h, h, config.intermediateSize, config.labels.count)
        let scoresPerThread = rounded(longest * longest)
        let needed = rounded(tokens * widths.0) + rounded(tokens * widths.1) + rounded(tokens * widths.2)
            + rounded(tokens * widths.3) + rounded(tokens * widths.4) + rounded(tokens * widths.5)
            + pool.threads * scoresPerThread
        if needed > capacity || memory == nil {
            memory?.deallocate()
            capacity = max(needed, capacity * 3 / 2, 16)
            memory = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        }
        guard let memory else { preconditionFailure("workspace allocation failed") }
        var next = memory
        func take(_ width: Int) -> MatrixSlice {
            defer { next += rounded(tokens * width) }
            return MatrixSlice(base: next, rows: tokens, columns: width)
        }
        return Buffers(hidden: take(widths.0), queryKeyValue: take(widths.1), context: take(widths.2),
                       attended: take(widths.3), intermediate: take(widths.4), logits: take(widths.5),
                       scores: next, scoresPerThread: scoresPerThread)
    }
}
