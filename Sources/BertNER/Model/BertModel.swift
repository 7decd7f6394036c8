/// `bert`: embeddings and encoder (no pooler: token classification does not use it).
struct BertModel: Sendable {
    let config: BertConfig
    let embeddings: BertEmbeddings
    let encoder: BertEncoder

    init(weights: SafeTensorsFile, prefix: String = "bert", config: BertConfig, precision: Precision = .fp32) throws {
        self.config = config
        embeddings = try BertEmbeddings(weights: weights, prefix: "\(prefix).embeddings", config: config)
        encoder = try BertEncoder(weights: weights, prefix: "\(prefix).encoder", config: config, precision: precision)
    }

    /// Checks ids, token types and lengths against the config.
    func validate(_ batch: PackedBatch) throws {
        for range in batch.ranges where range.count > config.maxPositionEmbeddings {
            throw ModelInputError.sequenceTooLong(length: range.count, maximum: config.maxPositionEmbeddings)
        }
        for id in batch.tokenIDs where id < 0 || Int(id) >= config.vocabSize {
            throw ModelInputError.tokenIDOutOfRange(id: id, vocabularySize: config.vocabSize)
        }
        for type in batch.tokenTypeIDs where type < 0 || Int(type) >= config.typeVocabSize {
            throw ModelInputError.tokenTypeOutOfRange(type: type, typeVocabularySize: config.typeVocabSize)
        }
    }

    /// Runs embeddings and encoder; the final hidden states `[batch.tokenCount, H]` are left in
    /// the returned buffers' `hidden` (valid until the workspace's next pass). `observeEmbeddings` /
    /// `observeLayer` see the intermediate states (the parity tests compare each one with PyTorch).
    func forward(_ batch: PackedBatch, workspace: ForwardWorkspace,
                        observeEmbeddings: ((MatrixSlice) -> Void)? = nil,
                        observeLayer: ((Int, MatrixSlice) -> Void)? = nil) throws -> ForwardWorkspace.Buffers {
        try validate(batch)
        let longest = batch.ranges.reduce(0) { max($0, $1.count) }
        let buffers = workspace.buffers(config: config, tokens: batch.tokenCount, longest: longest)
        embeddings.forward(batch, into: buffers.hidden, pool: workspace.pool)
        observeEmbeddings?(buffers.hidden)
        encoder.forward(buffers, ranges: batch.ranges, pool: workspace.pool, observe: observeLayer)
        return buffers
    }
}
