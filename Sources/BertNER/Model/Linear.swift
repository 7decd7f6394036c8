/// A dense layer `y = x · Wᵀ + b` with Hugging Face's `[out, in]` weight layout (`nn.Linear`).
public struct Linear: Sendable {
    public let weight: Matrix
    public let bias: [Float]

    public init(weight: Matrix, bias: [Float]) {
        self.weight = weight
        self.bias = bias
    }

    /// Loads `<prefix>.weight` `[outputs, inputs]` and `<prefix>.bias` `[outputs]`.
    public init(weights: SafeTensorsFile, prefix: String, inputs: Int, outputs: Int) throws {
        weight = try weights.matrix("\(prefix).weight", rows: outputs, columns: inputs)
        bias = try weights.vector("\(prefix).bias", count: outputs)
    }

    /// `output = activation(input · Wᵀ + b)`, output columns split across the pool's threads; the
    /// activation runs on each block while it is still in cache.
    public func forward(_ input: MatrixSlice, into output: MatrixSlice, pool: ComputePool,
                        activation: Activation? = nil) {
        pool.run(parts: pool.columnParts(weight.rows),
                 ColumnBlocks(linear: self, input: input, output: output, activation: activation))
    }

    /// One column block of the layer per part.
    private struct ColumnBlocks: ParallelWork {
        let linear: Linear
        let input: MatrixSlice
        let output: MatrixSlice
        let activation: Activation?

        func run(part: Int, of parts: Int) {
            let columns = ComputePool.block(part, of: parts, in: linear.weight.rows, multiple: 16)
            GEMM.linear(input, weight: linear.weight, bias: linear.bias, into: output, columns: columns)
            if let activation {
                for row in 0..<output.rows {
                    activation.apply(output.row(row) + columns.lowerBound, count: columns.count)
                }
            }
        }
    }
}
