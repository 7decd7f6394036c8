/// A dense layer `y = x · Wᵀ + b` with Hugging Face's `[out, in]` weight layout (`nn.Linear`).
///
/// In fp32 the weight is kept in whichever layout OpenBLAS multiplies fastest for the layer's
/// shape (`GEMM.WeightOrientation.preferred`); in int8 or bf16 it is a `PackedWeight` for oneDNN, and
/// the fp32 copy is dropped.
struct Linear: Sendable {
    let bias: [Float]
    let inputs: Int
    let outputs: Int
    let kernel: Kernel

    enum Kernel: Sendable {
        /// The weight as `GEMM.linear` consumes it: `[out, in]` or its transpose `[in, out]`.
        case fp32(Matrix, GEMM.WeightOrientation)
        case packed(PackedWeight)
    }

    /// The weight in Hugging Face's `[out, in]` layout; nil once it is packed.
    var weight: Matrix? {
        guard case .fp32(let stored, let layout) = kernel else { return nil }
        return layout == .outputMajor ? stored : stored.transposed()
    }

    /// The precision the layer multiplies in.
    var precision: Precision {
        guard case .packed(let packed) = kernel else { return .fp32 }
        return packed.format.precision
    }

    /// What multiplies: "OpenBLAS sgemm", or oneDNN's kernel with the activation range.
    var kernelName: String {
        guard case .packed(let packed) = kernel else { return "OpenBLAS sgemm" }
        let range = packed.format == .int8 ? " (u8 activations 0…\(packed.activationLevels))" : ""
        return "\(OneDNN.version) \(packed.kernel)\(range)"
    }

    /// `weight` is `[out, in]`.
    init(weight: Matrix, bias: [Float]) {
        let layout = GEMM.WeightOrientation.preferred(inputs: weight.columns, outputs: weight.rows)
        self.init(kernel: .fp32(layout == .outputMajor ? weight : weight.transposed(), layout),
                  inputs: weight.columns, outputs: weight.rows, bias: bias)
    }

    /// `weight` `[out, in]` converted to `precision` (fp32 keeps it as it is).
    init(weight: Matrix, bias: [Float], precision: Precision) throws(ModelLoadingError) {
        guard let format = DenseProduct.Format(precision) else {
            self.init(weight: weight, bias: bias)
            return
        }
        do throws(OneDNN.Failure) {
            self.init(kernel: .packed(try PackedWeight(weight: weight, format: format)),
                      inputs: weight.columns, outputs: weight.rows, bias: bias)
        } catch {
            throw .precisionUnavailable(precision: precision, reason: error.description)
        }
    }

    private init(kernel: Kernel, inputs: Int, outputs: Int, bias: [Float]) {
        self.kernel = kernel
        self.inputs = inputs
        self.outputs = outputs
        self.bias = bias
    }

    /// Loads `<prefix>.weight` `[outputs, inputs]` and `<prefix>.bias` `[outputs]`.
    init(weights: SafeTensorsFile, prefix: String, inputs: Int, outputs: Int,
                 precision: Precision = .fp32) throws {
        try self.init(weight: try weights.matrix("\(prefix).weight", rows: outputs, columns: inputs),
                      bias: try weights.vector("\(prefix).bias", count: outputs), precision: precision)
    }

    /// `output = activation(input · Wᵀ + b)` across the pool's threads; the activation runs on each
    /// block while it is still in cache.
    ///
    /// `next` is the layer that alone reads this output: a packed layer may hand its rows to it
    /// already converted instead of writing `output` (returns true; see `PackedWeight.forward`),
    /// and `next` then runs with `handedOver: true`, reading its input from the pool's scratch.
    @discardableResult
    func forward(_ input: MatrixSlice, into output: MatrixSlice, pool: ComputePool,
                        activation: Activation? = nil, handedOver: Bool = false, next: Linear? = nil) -> Bool {
        switch kernel {
        case .packed(let packed):
            var following: PackedWeight?
            if case .packed(let weight)? = next?.kernel { following = weight }
            return packed.forward(input, bias: bias, activation: activation, into: output, pool: pool,
                                  handedOver: handedOver, next: following)
        case .fp32(let stored, let layout):
            precondition(!handedOver, "an fp32 layer reads its input as floats")
            forward(input, weight: stored, layout: layout, into: output, pool: pool, activation: activation)
            return false
        }
    }

    private func forward(_ input: MatrixSlice, weight: Matrix, layout: GEMM.WeightOrientation, into output: MatrixSlice,
                         pool: ComputePool, activation: Activation?) {
        let byRows = pool.splitsRows(input.rows)
        pool.run(parts: byRows ? pool.rowParts(input.rows, minimumRows: 16) : pool.columnParts(outputs),
                 Blocks(linear: self, weight: weight, layout: layout, input: input, output: output, activation: activation, byRows: byRows))
    }

    /// One block of the layer per part: a band of rows (tokens) at the full width, or a band of
    /// output columns over all rows (see `ComputePool.splitsRows`).
    private struct Blocks: ParallelWork {
        let linear: Linear
        let weight: Matrix
        let layout: GEMM.WeightOrientation
        let input: MatrixSlice
        let output: MatrixSlice
        let activation: Activation?
        let byRows: Bool

        func run(part: Int, of parts: Int) {
            if byRows {
                let rows = ComputePool.block(part, of: parts, in: input.rows, multiple: 1)
                GEMM.linear(input.rows(rows), weight: weight, layout: layout, bias: linear.bias,
                            activation: activation, into: output.rows(rows), columns: 0..<linear.outputs)
            } else {
                let columns = ComputePool.block(part, of: parts, in: linear.outputs, multiple: 16)
                GEMM.linear(input, weight: weight, layout: layout, bias: linear.bias,
                            activation: activation, into: output, columns: columns)
            }
        }
    }
}
