/// The buffers one forward pass writes into, kept between passes so that steady-state inference
/// allocates nothing: they grow to the largest batch seen and stay that size.
///
/// A workspace serves one forward pass at a time; `NERPipeline` keeps one per concurrent caller
/// (`WorkspacePool`). That discipline, not the type system, is what makes it `Sendable`.
@_spi(Benchmarks) public final class ForwardWorkspace: @unchecked Sendable {
    let pool: ComputePool
    private var memory: UnsafeMutablePointer<Float>?
    private var capacity = 0  // floats

    /// The activations of one batch, all `[tokens, width]` row-major.
    struct Buffers: @unchecked Sendable {
        var hidden: MatrixSlice
        var queryKeyValue: MatrixSlice
        var context: MatrixSlice
        var attended: MatrixSlice
        var intermediate: MatrixSlice
        var logits: MatrixSlice
        /// bf16 attention's copy of `queryKeyValue` (Q scaled by 1/√d), `[tokens, 3H]`.
        var queryKeyValueHalves: UnsafeMutablePointer<UInt16>
        /// `pool.threads` scratch blocks, one per thread: `longest²` attention scores, then (from
        /// `halvesOffset`) bf16 attention's `longest²` probabilities.
        var scores: UnsafeMutablePointer<Float>
        var scoresPerThread: Int
        var halvesOffset: Int

        /// The same buffers restricted to `rows`, with scratch block `block` as the only one (a
        /// `SequenceLanes` lane's view: its thread writes only its own rows and block).
        func rows(_ rows: Range<Int>, block: Int) -> Buffers {
            Buffers(hidden: hidden.rows(rows), queryKeyValue: queryKeyValue.rows(rows), context: context.rows(rows),
                    attended: attended.rows(rows), intermediate: intermediate.rows(rows), logits: logits.rows(rows),
                    queryKeyValueHalves: queryKeyValueHalves + rows.lowerBound * queryKeyValue.columns,
                    scores: scores + block * scoresPerThread, scoresPerThread: scoresPerThread, halvesOffset: halvesOffset)
        }
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
        let halvesOffset = rounded(longest * longest)
        let scoresPerThread = halvesOffset + rounded((longest * longest + 1) / 2)
        let halvesFloats = rounded((tokens * widths.1 + 1) / 2)
        let needed = rounded(tokens * widths.0) + rounded(tokens * widths.1) + rounded(tokens * widths.2)
            + rounded(tokens * widths.3) + rounded(tokens * widths.4) + rounded(tokens * widths.5)
            + halvesFloats + pool.threads * scoresPerThread
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
        let (hidden, queryKeyValue, context) = (take(widths.0), take(widths.1), take(widths.2))
        let (attended, intermediate, logits) = (take(widths.3), take(widths.4), take(widths.5))
        let halves = UnsafeMutableRawPointer(next).assumingMemoryBound(to: UInt16.self)
        next += halvesFloats
        return Buffers(hidden: hidden, queryKeyValue: queryKeyValue, context: context, attended: attended,
                       intermediate: intermediate, logits: logits, queryKeyValueHalves: halves,
                       scores: next, scoresPerThread: scoresPerThread, halvesOffset: halvesOffset)
    }
}
