@_spi(Benchmarks) @testable import BertNER

extension Matrix {
    /// Largest absolute element-wise difference: how the parity and precision tests compare logits.
    func maxAbsoluteDifference(to other: Matrix) -> Float {
        precondition(rows == other.rows && columns == other.columns, "shapes differ")
        var worst: Float = 0
        for i in storage.indices {
            worst = max(worst, abs(storage[i] - other.storage[i]))
        }
        return worst
    }
}
