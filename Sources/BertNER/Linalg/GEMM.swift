import COpenBLAS

/// Matrix products, all through OpenBLAS `cblas_sgemm` (row-major).
public enum GEMM {
    /// `input · weightᵀ + bias`: input `[n, in]`, weight `[out, in]` (Hugging Face layout), bias `[out]`.
    public static func linear(_ input: Matrix, weight: Matrix, bias: [Float]) -> Matrix {
        precondition(input.columns == weight.columns, "linear: input width \(input.columns) ≠ weight \(weight.columns)")
        precondition(bias.count == weight.rows, "linear: bias \(bias.count) ≠ outputs \(weight.rows)")
        let rows = input.rows, outputs = weight.rows
        // Pre-fill every row with the bias, then accumulate the product on top (beta = 1).
        var storage = [Float](unsafeUninitializedCapacity: rows * outputs) { buffer, count in
            for row in 0..<rows {
                for column in 0..<outputs { buffer[row * outputs + column] = bias[column] }
            }
            count = rows * outputs
        }
        guard rows > 0 else { return Matrix(rows: 0, columns: outputs, storage: []) }
        input.storage.withUnsafeBufferPointer { a in
            weight.storage.withUnsafeBufferPointer { w in
                storage.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                Int32(rows), Int32(outputs), Int32(input.columns),
                                1, a.baseAddress, Int32(input.columns),
                                w.baseAddress, Int32(weight.columns),
                                1, c.baseAddress, Int32(outputs))
                }
            }
        }
        return Matrix(rows: rows, columns: outputs, storage: storage)
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

/// OpenBLAS' worker-thread count (process-wide).
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }

    public static func set(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }
}
