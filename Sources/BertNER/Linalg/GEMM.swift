import COpenBLAS

/// Matrix products, all through OpenBLAS `cblas_sgemm` (row-major). `@_spi(Benchmarks)`: the
/// harness times `linear` in both weight orientations to check `WeightOrientation.preferred`.
@_spi(Benchmarks) public enum GEMM {
    /// Which way round a linear layer's fp32 weight is stored for `linear` (oneDNN's packed weights
    /// have their own `DenseProduct.WeightPacking`).
    public enum WeightOrientation: Sendable {
        /// `[out, in]`, Hugging Face's layout: multiplied as `x · Wᵀ`.
        case outputMajor
        /// `[in, out]`, a transposed copy: multiplied as `x · W`.
        case inputMajor

        /// OpenBLAS 0.3.21 (Zen 4, one thread) packs a transposed B slowly when the contraction is
        /// longer than the output: `[32, 1024] · [1024, 256]` runs at 53 GFLOP/s as `x · Wᵀ` and
        /// 86 GFLOP/s as `x · W` (BERT's output dense, the classifier); for `in ≤ out` (QKV,
        /// intermediate) `x · Wᵀ` is as fast or faster. `make bench BENCH_ARGS="--filter sgemm.*"` times both layouts.
        static func preferred(inputs: Int, outputs: Int) -> WeightOrientation {
            inputs > outputs ? .inputMajor : .outputMajor
        }
    }

    /// One column block of a linear layer: `output[:, columns] = activation(input · Wᵀ[:, columns] + bias[columns])`.
    /// Input `[n, in]`, `weight` in `layout`, bias `[out]`, output `[n, out]`.
    public static func linear(_ input: MatrixSlice, weight: Matrix, layout: WeightOrientation, bias: [Float],
                              activation: Activation? = nil, into output: MatrixSlice, columns: Range<Int>) {
        let (inputs, outputs) = layout == .outputMajor ? (weight.columns, weight.rows) : (weight.rows, weight.columns)
        precondition(input.columns == inputs, "linear: input width \(input.columns) ≠ weight \(inputs)")
        precondition(bias.count == outputs && output.columns == outputs && output.rows == input.rows,
                     "linear: bias \(bias.count), output \(output.rows)×\(output.columns) ≠ \(input.rows)×\(outputs)")
        guard input.rows > 0, !columns.isEmpty else { return }
        weight.storage.withUnsafeBufferPointer { w in
            // The block's columns of W: rows of `[out, in]`, or a column band of `[in, out]`.
            let (block, transpose) = layout == .outputMajor
                ? (w.baseAddress! + columns.lowerBound * inputs, CblasTrans)
                : (w.baseAddress! + columns.lowerBound, CblasNoTrans)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, transpose,
                        Int32(input.rows), Int32(columns.count), Int32(inputs),
                        1, input.base, Int32(input.columns),
                        block, Int32(weight.columns),
                        0, output.base + columns.lowerBound, Int32(output.columns))
        }
        // Bias and activation in one pass per row, while the row is still in cache.
        bias.withUnsafeBufferPointer { b in
            let shift = b.baseAddress! + columns.lowerBound
            for row in 0..<output.rows {
                let values = output.row(row) + columns.lowerBound
                for j in 0..<columns.count { values[j] += shift[j] }
                activation?.apply(values, count: columns.count)
            }
        }
    }

    /// `C = alpha · A · Bᵀ` (transposeB) or `alpha · A · B` on strided sub-blocks of larger buffers;
    /// attention uses it to address one head's columns of the fused QKV matrix without copying.
    @inline(__always)
    static func product(
        rows: Int, columns: Int, inner: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(rows), Int32(columns), Int32(inner),
                    alpha, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }
}
