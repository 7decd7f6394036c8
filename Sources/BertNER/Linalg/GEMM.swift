import COpenBLAS

/// Matrix products, all through OpenBLAS `cblas_sgemm` (row-major).
public enum GEMM {
    /// One column block of a linear layer: `output[:, columns] = input · weight[columns]ᵀ + bias[columns]`.
    /// Input `[n, in]`, weight `[out, in]` (Hugging Face layout), bias `[out]`, output `[n, out]`.
    public static func linear(_ input: MatrixSlice, weight: Matrix, bias: [Float],
                              into output: MatrixSlice, columns: Range<Int>) {
        precondition(input.columns == weight.columns, "linear: input width \(input.columns) ≠ weight \(weight.columns)")
        precondition(bias.count == weight.rows && output.columns == weight.rows && output.rows == input.rows,
                     "linear: bias \(bias.count), output \(output.rows)×\(output.columns) ≠ \(input.rows)×\(weight.rows)")
        guard input.rows > 0, !columns.isEmpty else { return }
        // Pre-fill the block with the bias, then accumulate the product on top (beta = 1).
        bias.withUnsafeBufferPointer { b in
            for row in 0..<output.rows {
                (output.row(row) + columns.lowerBound).update(from: b.baseAddress! + columns.lowerBound, count: columns.count)
            }
        }
        weight.storage.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                        Int32(input.rows), Int32(columns.count), Int32(input.columns),
                        1, input.base, Int32(input.columns),
                        w.baseAddress! + columns.lowerBound * weight.columns, Int32(weight.columns),
                        1, output.base + columns.lowerBound, Int32(output.columns))
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
