/// `attention.output`: dense projection of the attention context, then Add & LayerNorm with the
/// layer's input.
public struct BertSelfOutput: Sendable {
    public let dense: Linear
    public let layerNorm: LayerNorm

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        let h = config.hiddenSize
        dense = try Linear(weights: weights, prefix: "\(prefix).dense", inputs: h, outputs: h)
        layerNorm = try LayerNorm(weights: weights, prefix: "\(prefix).LayerNorm", size: h,
                                  epsilon: config.layerNormEpsilon)
    }

    public func forward(_ context: Matrix, input: Matrix) -> Matrix {
        var output = dense.forward(context)
        layerNorm.forward(&output, residual: input)
        return output
    }
}
