/// `attention.self`: multi-head scaled dot-product attention.
///
/// The query, key and value projections are concatenated at load into one `[3H, H]` weight, so
/// one GEMM produces Q|K|V for the whole packed batch. Then, per sequence and head, two strided
/// GEMMs address that head's columns in place: scores = Q·Kᵀ/√d, softmax, context = P·V. The
/// (sequence, head) pairs are spread over the pool's threads, each with its own score block.
/// Packing replaces Hugging Face's additive padding mask: a token only ever sees keys of its own
/// sequence, which is exactly what the mask's −∞ entries achieve in a padded batch.
package struct BertSelfAttention: Sendable {
    package let queryKeyValue: Linear
    package let heads: Int
    package let headSize: Int

    package init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        let h = config.hiddenSize
        let parts = try ["query", "key", "value"].map {
            try Linear(weights: weights, prefix: "\(prefix).\($0)", inputs: h, outputs: h)
        }
        queryKeyValue = try Linear(weight: Matrix.stacking(parts.compactMap(\.weight)), bias: parts.flatMap(\.bias),
                                   precision: precision)
        heads = config.numAttentionHeads
        headSize = config.headSize
    }

    /// Writes the context vectors of `hidden` to `buffers.context` (heads side by side, as HF's
    /// reshape leaves them), using `buffers.queryKeyValue` and `buffers.scores` on the way.
    package func forward(_ hidden: MatrixSlice, ranges: [Range<Int>], buffers: ForwardWorkspace.Buffers,
                        pool: ComputePool) {
        queryKeyValue.forward(hidden, into: buffers.queryKeyValue, pool: pool)
        let pairs = ranges.count * heads
        pool.run(parts: min(pool.threads, pairs), Pairs(attention: self, ranges: ranges, buffers: buffers))
    }

    /// Every `parts`-th (sequence, head) pair per part, each part with its own score block.
    private struct Pairs: ParallelWork {
        let attention: BertSelfAttention
        let ranges: [Range<Int>]
        let buffers: ForwardWorkspace.Buffers

        func run(part: Int, of parts: Int) {
            let heads = attention.heads, headSize = attention.headSize, h = heads * headSize
            let qkv = buffers.queryKeyValue, context = buffers.context
            let scale = 1 / Float(headSize).squareRoot()
            let p = buffers.scores + part * buffers.scoresPerThread
            for pair in stride(from: part, to: ranges.count * heads, by: parts) {
                let range = ranges[pair / heads], head = pair % heads
                let n = range.count
                guard n > 0 else { continue }
                let rows = qkv.row(range.lowerBound)
                let q = rows + head * headSize
                let k = rows + h + head * headSize
                let v = rows + 2 * h + head * headSize
                GEMM.product(rows: n, columns: n, inner: headSize, alpha: scale,
                             a: q, lda: 3 * h, b: k, ldb: 3 * h, transposeB: true, c: p, ldc: n)
                softmaxRows(p, rows: n, columns: n, stride: n)
                GEMM.product(rows: n, columns: headSize, inner: n, alpha: 1,
                             a: p, lda: n, b: v, ldb: 3 * h, transposeB: false,
                             c: context.row(range.lowerBound) + head * headSize, ldc: h)
            }
        }
    }
}
