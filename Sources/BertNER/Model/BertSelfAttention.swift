/// `attention.self`: multi-head scaled dot-product attention.
///
/// The query, key and value projections are concatenated at load into one `[3H, H]` weight, so
/// one GEMM produces Q|K|V for the whole packed batch. Then, per sequence and head, two strided
/// GEMMs address that head's columns in place: scores = Q·Kᵀ/√d, softmax, context = P·V.
/// Packing replaces Hugging Face's additive padding mask: a token only ever sees keys of its own
/// sequence, which is exactly what the mask's −∞ entries achieve in a padded batch.
public struct BertSelfAttention: Sendable {
    public let queryKeyValue: Linear
    public let heads: Int
    public let headSize: Int

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        let h = config.hiddenSize
        let parts = try ["query", "key", "value"].map {
            try Linear(weights: weights, prefix: "\(prefix).\($0)", inputs: h, outputs: h)
        }
        queryKeyValue = Linear(weight: Matrix.stacking(parts.map(\.weight)), bias: parts.flatMap(\.bias))
        heads = config.numAttentionHeads
        headSize = config.headSize
    }

    /// Context vectors `[tokens, H]` (heads side by side, as HF's reshape leaves them).
    public func forward(_ hidden: Matrix, ranges: [Range<Int>]) -> Matrix {
        let h = heads * headSize
        let qkv = queryKeyValue.forward(hidden)
        var context = Matrix(zeros: hidden.rows, h)
        let longest = ranges.map(\.count).max() ?? 0
        var scores = [Float](repeating: 0, count: longest * longest)
        let scale = 1 / Float(headSize).squareRoot()
        qkv.storage.withUnsafeBufferPointer { qkvBuffer in
            context.storage.withUnsafeMutableBufferPointer { contextBuffer in
                scores.withUnsafeMutableBufferPointer { scoreBuffer in
                    guard let base = qkvBuffer.baseAddress, let out = contextBuffer.baseAddress,
                          let p = scoreBuffer.baseAddress else { return }
                    for range in ranges where !range.isEmpty {
                        let n = range.count
                        let rows = base + range.lowerBound * 3 * h
                        for head in 0..<heads {
                            let q = rows + head * headSize
                            let k = rows + h + head * headSize
                            let v = rows + 2 * h + head * headSize
                            GEMM.product(rows: n, columns: n, inner: headSize, alpha: scale,
                                         a: q, lda: 3 * h, b: k, ldb: 3 * h, transposeB: true, c: p, ldc: n)
                            softmaxRows(p, rows: n, columns: n, stride: n)
                            GEMM.product(rows: n, columns: headSize, inner: n, alpha: 1,
                                         a: p, lda: n, b: v, ldb: 3 * h, transposeB: false,
                                         c: out + range.lowerBound * h + head * headSize, ldc: h)
                        }
                    }
                }
            }
        }
        return context
    }
}
