/// Problems with the token ids handed to the model, caught before any computation.
public enum ModelInputError: Error, Equatable, Sendable, CustomStringConvertible {
    case tokenIDOutOfRange(id: Int32, vocabularySize: Int)
    case tokenTypeOutOfRange(type: Int32, typeVocabularySize: Int)
    case sequenceTooLong(length: Int, maximum: Int)

    public var description: String {
        switch self {
        case .tokenIDOutOfRange(let id, let size):
            return "token id \(id) is outside the vocabulary (0..<\(size))"
        case .tokenTypeOutOfRange(let type, let size):
            return "token type id \(type) is outside 0..<\(size)"
        case .sequenceTooLong(let length, let maximum):
            return "sequence of \(length) tokens exceeds max_position_embeddings \(maximum); split it into windows"
        }
    }
}

/// `bert`: embeddings and encoder (no pooler: token classification does not use it).
public struct BertModel: Sendable {
    public let config: BertConfig
    public let embeddings: BertEmbeddings
    public let encoder: BertEncoder

    public init(weights: SafeTensorsFile, prefix: String = "bert", config: BertConfig) throws {
        self.config = config
        embeddings = try BertEmbeddings(weights: weights, prefix: "\(prefix).embeddings", config: config)
        encoder = try BertEncoder(weights: weights, prefix: "\(prefix).encoder", config: config)
    }

    /// Checks ids, token types and lengths against the config.
    public func validate(_ batch: PackedBatch) throws {
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
    public func forward(_ batch: PackedBatch, workspace: ForwardWorkspace,
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
