/// `attention.output`: dense projection of the attention context, then Add & LayerNorm with the
/// layer's input.
struct BertSelfOutput: Sendable {
    let dense: Linear
    let layerNorm: LayerNorm

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        let h = config.hiddenSize
        dense = try Linear(weights: weights, prefix: "\(prefix).dense", inputs: h, outputs: h, precision: precision)
        layerNorm = try LayerNorm(weights: weights, prefix: "\(prefix).LayerNorm", size: h,
                                  epsilon: config.layerNormEpsilon)
    }

    /// `output = LayerNorm(context · Wᵀ + b + input)`.
    func forward(_ context: MatrixSlice, input: MatrixSlice, into output: MatrixSlice, pool: ComputePool) {
        dense.forward(context, into: output, pool: pool)
        layerNorm.forward(output, residual: input, pool: pool)
    }
}
