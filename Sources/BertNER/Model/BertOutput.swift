/// `output`: the feed-forward contraction `[I → H]`, then Add & LayerNorm with the attention output.
struct BertOutput: Sendable {
    let dense: Linear
    let layerNorm: LayerNorm

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        dense = try Linear(weights: weights, prefix: "\(prefix).dense", inputs: config.intermediateSize,
                           outputs: config.hiddenSize, precision: precision)
        layerNorm = try LayerNorm(weights: weights, prefix: "\(prefix).LayerNorm", size: config.hiddenSize,
                                  epsilon: config.layerNormEpsilon)
    }

    /// `output = LayerNorm(intermediate · Wᵀ + b + input)`; `handedOver`: `intermediate` was
    /// handed over converted in the pool's scratch (`BertIntermediate.forward(next:)`).
    func forward(_ intermediate: MatrixSlice, input: MatrixSlice, into output: MatrixSlice, pool: ComputePool,
                         handedOver: Bool = false) {
        dense.forward(intermediate, into: output, pool: pool, handedOver: handedOver)
        layerNorm.forward(output, residual: input, pool: pool)
    }
}
