/// `intermediate`: the feed-forward expansion `[H → I]` and the configured activation.
package struct BertIntermediate: Sendable {
    package let dense: Linear
    package let activation: Activation

    package init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        dense = try Linear(weights: weights, prefix: "\(prefix).dense", inputs: config.hiddenSize,
                           outputs: config.intermediateSize, precision: precision)
        activation = config.hiddenActivation
    }

    /// With `next`, may hand the output to it converted instead of writing `output` (returns true).
    @discardableResult
    package func forward(_ hidden: MatrixSlice, into output: MatrixSlice, pool: ComputePool, next: Linear? = nil) -> Bool {
        dense.forward(hidden, into: output, pool: pool, activation: activation, next: next)
    }
}
