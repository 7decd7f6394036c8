/// `BertForTokenClassification` (+ optional CRF): the whole model from token ids to label scores.
public struct TokenClassifier: Sendable {
    public let config: BertConfig
    package let bert: BertModel
    package let head: TokenClassificationHead
    /// Present when the config says `use_crf`; otherwise decoding is argmax.
    package let crf: CRF?

    package init(weights: SafeTensorsFile, config: BertConfig) throws {
        self.config = config
        bert = try BertModel(weights: weights, config: config)
        head = try TokenClassificationHead(weights: weights, config: config)
        crf = config.usesCRF ? try CRF(weights: weights, labelCount: config.labels.count) : nil
    }

    /// Emissions (logits) per sequence of the batch, each `[sequence length, labels]`. Reusing
    /// one `workspace` across calls avoids re-allocating the activations; its thread count decides
    /// how many cores the pass uses.
    public func logits(_ batch: PackedBatch, workspace: ForwardWorkspace = ForwardWorkspace()) throws -> [Matrix] {
        let scores = try emissions(batch, workspace: workspace)
        return batch.ranges.map { scores.copy(rows: $0) }
    }

    /// The logits of the whole packed batch `[batch.tokenCount, labels]`, left in the workspace
    /// (valid until its next pass): the allocation-free form of `logits`.
    @_spi(Engine) public func emissions(_ batch: PackedBatch, workspace: ForwardWorkspace) throws -> MatrixSlice {
        let buffers = try bert.forward(batch, workspace: workspace)
        head.forward(buffers.hidden, into: buffers.logits, pool: workspace.pool)
        return buffers.logits
    }

    /// How this model's emissions become tags (CRF or argmax).
    package var decoder: SequenceDecoder { SequenceDecoder(model: self) }

    /// The best label path per sequence: CRF Viterbi, or per-token argmax without a CRF.
    public func decode(_ logits: [Matrix]) -> [[Int]] {
        let decoder = self.decoder
        return logits.map { $0.withSlice(decoder.path) }
    }
}
