/// `intermediate`: the feed-forward expansion `[H → I]` and the configured activation.
struct BertIntermediate: Sendable {
    let dense: Linear
    let activation: Activation

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        dense = try Linear(weights: weights, prefix: "\(prefix).dense", inputs: config.hiddenSize,
                           outputs: config.intermediateSize, precision: precision)
        activation = config.hiddenActivation
    }

    /// With `next`, may hand the output to it converted instead of writing `output` (returns true).
    @discardableResult
    func forward(_ hidden: MatrixSlice, into output: MatrixSlice, pool: ComputePool, next: Linear? = nil) -> Bool {
        dense.forward(hidden, into: output, pool: pool, activation: activation, next: next)
    }
}
