/// LayerNorm over the last dimension with learned `weight` (γ) and `bias` (β), as `torch.nn.LayerNorm`.
public struct LayerNorm: Sendable {
    public let weight: [Float]
    public let bias: [Float]
    public let epsilon: Float

    /// Loads `<prefix>.weight` and `<prefix>.bias`.
    public init(weights: SafeTensorsFile, prefix: String, size: Int, epsilon: Float) throws {
        weight = try weights.vector("\(prefix).weight", count: size)
        bias = try weights.vector("\(prefix).bias", count: size)
        self.epsilon = epsilon
    }

    /// Normalises every row of `x` in place, rows split across the pool. With `residual`,
    /// normalises `x + residual` (BERT's "Add & Norm"), saving a separate pass and buffer.
    public func forward(_ x: MatrixSlice, residual: MatrixSlice? = nil, pool: ComputePool) {
        let width = x.columns
        precondition(width == weight.count, "LayerNorm width \(weight.count) ≠ input \(width)")
        if let residual {
            precondition(residual.rows == x.rows && residual.columns == width, "residual shape differs")
        }
        pool.forEachRowBlock(x.rows) { rows in
            weight.withUnsafeBufferPointer { gamma in
                bias.withUnsafeBufferPointer { beta in
                    for row in rows {
                        let values = x.row(row)
                        if let residual {
                            let r = residual.row(row)
                            for i in 0..<width { values[i] += r[i] }
                        }
                        // Two passes (mean, then variance of the centred values), accumulated in
                        // Double: a Float running sum over 768+ values loses digits that show up
                        // downstream as 1e-5-level drift.
                        var sum: Double = 0
                        for i in 0..<width { sum += Double(values[i]) }
                        let mean = Float(sum / Double(width))
                        var squares: Double = 0
                        for i in 0..<width {
                            let d = Double(values[i] - mean)
                            squares += d * d
                        }
                        let scale = Float(1 / (squares / Double(width) + Double(epsilon)).squareRoot())
                        for i in 0..<width {
                            values[i] = (values[i] - mean) * scale * gamma[i] + beta[i]
                        }
                    }
                }
            }
        }
    }
}
