/// `output`: the feed-forward contraction `[I → H]`, then Add & LayerNorm with the attention output.
public struct BertOutput: Sendable {
    public let dense: Linear
    public let layerNorm: LayerNorm

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        dense = try Linear(weights: weights, prefix: "\(prefix).dense", inputs: config.intermediateSize,
                           outputs: config.hiddenSize)
        layerNorm = try LayerNorm(weights: weights, prefix: "\(prefix).LayerNorm", size: config.hiddenSize,
                                  epsilon: config.layerNormEpsilon)
    }

    public func forward(_ intermediate: Matrix, input: Matrix) -> Matrix {
        var output = dense.forward(intermediate)
        layerNorm.forward(&output, residual: input)
        return output
    }
}
