/// A dense layer `y = x · Wᵀ + b` with Hugging Face's `[out, in]` weight layout (`nn.Linear`).
///
/// The weight is kept in whichever layout OpenBLAS multiplies fastest for the layer's shape
/// (`GEMM.WeightLayout.preferred`); `weight` always reads back the Hugging Face layout.
package struct Linear: Sendable {
    package let bias: [Float]
    /// The weight as `GEMM.linear` consumes it: `[out, in]` or its transpose `[in, out]`.
    let stored: Matrix
    let layout: GEMM.WeightLayout

    package var inputs: Int { layout == .outputMajor ? stored.columns : stored.rows }
    package var outputs: Int { layout == .outputMajor ? stored.rows : stored.columns }

    /// The weight in Hugging Face's `[out, in]` layout.
    package var weight: Matrix { layout == .outputMajor ? stored : stored.transposed() }

    /// `weight` is `[out, in]`.
    package init(weight: Matrix, bias: [Float]) {
        layout = .preferred(inputs: weight.columns, outputs: weight.rows)
        stored = layout == .outputMajor ? weight : weight.transposed()
        self.bias = bias
    }

    /// Loads `<prefix>.weight` `[outputs, inputs]` and `<prefix>.bias` `[outputs]`.
    package init(weights: SafeTensorsFile, prefix: String, inputs: Int, outputs: Int) throws {
        self.init(weight: try weights.matrix("\(prefix).weight", rows: outputs, columns: inputs),
                  bias: try weights.vector("\(prefix).bias", count: outputs))
    }

    /// `output = activation(input · Wᵀ + b)` across the pool's threads; the activation runs on each
    /// block while it is still in cache.
    package func forward(_ input: MatrixSlice, into output: MatrixSlice, pool: ComputePool,
                        activation: Activation? = nil) {
        let byRows = pool.splitsRows(input.rows)
        pool.run(parts: byRows ? pool.rowParts(input.rows, minimumRows: 16) : pool.columnParts(outputs),
                 Blocks(linear: self, input: input, output: output, activation: activation, byRows: byRows))
    }

    /// One block of the layer per part: a band of rows (tokens) at the full width, or a band of
    /// output columns over all rows (see `ComputePool.splitsRows`).
    private struct Blocks: ParallelWork {
        let linear: Linear
        let input: MatrixSlice
        let output: MatrixSlice
        let activation: Activation?
        let byRows: Bool

        func run(part: Int, of parts: Int) {
            if byRows {
                let rows = ComputePool.block(part, of: parts, in: input.rows, multiple: 1)
                GEMM.linear(input.rows(rows), weight: linear.stored, layout: linear.layout, bias: linear.bias,
                            activation: activation, into: output.rows(rows), columns: 0..<linear.outputs)
            } else {
                let columns = ComputePool.block(part, of: parts, in: linear.outputs, multiple: 16)
                GEMM.linear(input, weight: linear.stored, layout: linear.layout, bias: linear.bias,
                            activation: activation, into: output, columns: columns)
            }
        }
    }
}
