/// `classifier`: one linear layer from hidden states to per-label scores (CRF emissions).
package struct TokenClassificationHead: Sendable {
    package let classifier: Linear

    package init(weights: SafeTensorsFile, prefix: String = "classifier", config: BertConfig) throws {
        classifier = try Linear(weights: weights, prefix: prefix, inputs: config.hiddenSize,
                                outputs: config.labels.count)
    }

    package func forward(_ hidden: MatrixSlice, into logits: MatrixSlice, pool: ComputePool) {
        classifier.forward(hidden, into: logits, pool: pool)
    }
}
