/// `attention.self`: multi-head scaled dot-product attention.
///
/// The query, key and value projections are concatenated at load into one `[3H, H]` weight, so
/// one GEMM produces Q|K|V for the whole packed batch. Then, per sequence and head, two strided
/// GEMMs address that head's columns in place: scores = Q·Kᵀ/√d, softmax, context = P·V. The
/// (sequence, head) pairs are spread over the pool's threads, each with its own score block.
/// Packing replaces Hugging Face's additive padding mask: a token only ever sees keys of its own
/// sequence, which is exactly what the mask's −∞ entries achieve in a padded batch.
///
/// The int8 and bf16 engines run the two products in bf16 through oneDNN (`HeadProducts`) where
/// the CPU has bf16 kernels and the sequence is long enough to gain; fp32 keeps OpenBLAS (exact).
struct BertSelfAttention: Sendable {
    let queryKeyValue: Linear
    let heads: Int
    let headSize: Int
    /// bf16 products, or nil for fp32 OpenBLAS.
    let headProducts: HeadProducts?

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        let h = config.hiddenSize
        let parts = try ["query", "key", "value"].map {
            try Linear(weights: weights, prefix: "\(prefix).\($0)", inputs: h, outputs: h)
        }
        self.init(queryKeyValue: try Linear(weight: Matrix.stacking(parts.compactMap(\.weight)), bias: parts.flatMap(\.bias),
                                            precision: precision),
                  heads: config.numAttentionHeads, precision: precision)
    }

    /// `queryKeyValue` is the `[3H, H]` projection; `precision` picks the attention products (bf16
    /// for int8 and bf16 where the CPU has the kernels, OpenBLAS fp32 otherwise).
    init(queryKeyValue: Linear, heads: Int, precision: Precision) {
        let h = queryKeyValue.inputs
        self.queryKeyValue = queryKeyValue
        self.heads = heads
        headSize = h / heads
        headProducts = precision == .fp32 ? nil : HeadProducts.shared(headSize: headSize, operandStride: 3 * h, contextStride: h)
    }

    /// What multiplies Q·Kᵀ and P·V.
    var kernelName: String {
        guard let headProducts else { return "OpenBLAS sgemm" }
        return "\(OneDNN.version) \(headProducts.kernel) bf16 from \(HeadProducts.minimumLength) tokens, else OpenBLAS sgemm"
    }

    /// Writes the context vectors of `hidden` to `buffers.context` (heads side by side, as HF's
    /// reshape leaves them), using `buffers.queryKeyValue` and `buffers.scores` on the way.
    func forward(_ hidden: MatrixSlice, ranges: [Range<Int>], buffers: ForwardWorkspace.Buffers,
                        pool: ComputePool) {
        queryKeyValue.forward(hidden, into: buffers.queryKeyValue, pool: pool)
        let pairs = ranges.count * heads, parts = min(pool.threads, pairs)
        if ranges.contains(where: { runsInBF16(length: $0.count) }) {
            pool.scratch.reserveStreams(parts)
            let rows = buffers.queryKeyValue.rows
            pool.run(parts: pool.rowParts(rows), Halves(attention: self, buffers: buffers, ranges: ranges,
                                                        scale: 1 / Float(headSize).squareRoot()))
        }
        pool.run(parts: parts, Pairs(attention: self, ranges: ranges, buffers: buffers, scratch: pool.scratch))
    }

    /// Whether a sequence of `length` tokens runs its two products through `headProducts` (the
    /// rule the bf16 copy of Q|K|V and the products share).
    func runsInBF16(length: Int) -> Bool {
        headProducts != nil && length >= HeadProducts.minimumLength
    }

    /// Q|K|V rows in bf16 for `HeadProducts`, Q times 1/√d — only those of sequences long enough
    /// to use them (a packed batch may mix them with short ones that stay fp32).
    private struct Halves: ParallelWork {
        let attention: BertSelfAttention
        let buffers: ForwardWorkspace.Buffers
        let ranges: [Range<Int>]
        let scale: Float

        func run(part: Int, of parts: Int) {
            let qkv = buffers.queryKeyValue, h = qkv.columns / 3
            let block = ComputePool.block(part, of: parts, in: qkv.rows, multiple: 1)
            for range in ranges where attention.runsInBF16(length: range.count) && range.overlaps(block) {
                for r in range.clamped(to: block) {
                    let halves = buffers.queryKeyValueHalves + r * qkv.columns
                    BFloat16.convert(qkv.row(r), count: h, scale: scale, into: halves)
                    BFloat16.convert(qkv.row(r) + h, count: 2 * h, into: halves + h)
                }
            }
        }
    }

    /// Every `parts`-th (sequence, head) pair per part, each part with its own score block.
    private struct Pairs: ParallelWork {
        let attention: BertSelfAttention
        let ranges: [Range<Int>]
        let buffers: ForwardWorkspace.Buffers
        let scratch: ProductScratch

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
                if let products = attention.headProducts, attention.runsInBF16(length: n) {
                    let probabilities = UnsafeMutableRawPointer(buffers.scores + part * buffers.scoresPerThread + buffers.halvesOffset)
                        .assumingMemoryBound(to: UInt16.self)
                    let q16 = buffers.queryKeyValueHalves + range.lowerBound * 3 * h + head * headSize
                    let k16 = q16 + h, v16 = q16 + 2 * h
                    let arguments = scratch.arguments(part: part, for: products, length: n)
                    let stream = scratch.stream(part: part)
                    products.scores(arguments, q: q16, k: k16, into: p, stream: stream)
                    softmaxRows(p, rows: n, columns: n, stride: n, into: probabilities)
                    products.context(arguments, p: probabilities, v: v16,
                                     into: context.row(range.lowerBound) + head * headSize, stream: stream)
                    continue
                }
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
