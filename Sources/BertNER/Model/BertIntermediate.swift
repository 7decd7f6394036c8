/// `intermediate`: the feed-forward expansion `[H → I]` and the configured activation.
public struct BertIntermediate: Sendable {
    public let dense: Linear
    public let activation: Activation

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        dense = try Linear(weights: weights, prefix: "\(prefix).dense", inputs: config.hiddenSize,
                           outputs: config.intermediateSize)
        activation = config.hiddenActivation
    }

    public func forward(_ hidden: MatrixSlice, into output: MatrixSlice, pool: ComputePool) {
        dense.forward(hidden, into: output, pool: pool, activation: activation)
    }
}
