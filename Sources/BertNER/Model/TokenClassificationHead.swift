/// `classifier`: one linear layer from hidden states to per-label scores (CRF emissions).
struct TokenClassificationHead: Sendable {
    let classifier: Linear

    init(weights: SafeTensorsFile, prefix: String = "classifier", config: BertConfig) throws {
        classifier = try Linear(weights: weights, prefix: prefix, inputs: config.hiddenSize,
                                outputs: config.labels.count)
    }

    func forward(_ hidden: MatrixSlice, into logits: MatrixSlice, pool: ComputePool) {
        classifier.forward(hidden, into: logits, pool: pool)
    }
}
