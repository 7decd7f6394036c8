/// `bert.embeddings`: word + position + token-type embeddings, then LayerNorm (dropout is a no-op
/// at inference).
public struct BertEmbeddings: Sendable {
    public let wordEmbeddings: Matrix
    public let positionEmbeddings: Matrix
    public let tokenTypeEmbeddings: Matrix
    public let layerNorm: LayerNorm

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        let h = config.hiddenSize
        wordEmbeddings = try weights.matrix("\(prefix).word_embeddings.weight", rows: config.vocabSize, columns: h)
        positionEmbeddings = try weights.matrix("\(prefix).position_embeddings.weight",
                                                rows: config.maxPositionEmbeddings, columns: h)
        tokenTypeEmbeddings = try weights.matrix("\(prefix).token_type_embeddings.weight",
                                                 rows: config.typeVocabSize, columns: h)
        layerNorm = try LayerNorm(weights: weights, prefix: "\(prefix).LayerNorm", size: h,
                                  epsilon: config.layerNormEpsilon)
    }

    /// `[batch.tokenCount, H]`. Ids must be valid (`BertModel.validate` checks them first).
    public func forward(_ batch: PackedBatch) -> Matrix {
        let h = wordEmbeddings.columns
        var output = Matrix(zeros: batch.tokenCount, h)
        output.storage.withUnsafeMutableBufferPointer { out in
            for t in 0..<batch.tokenCount {
                let word = Int(batch.tokenIDs[t]) * h
                let position = Int(batch.positions[t]) * h
                let type = Int(batch.tokenTypeIDs[t]) * h
                for i in 0..<h {
                    // Same summation order as PyTorch: (word + token type) + position.
                    out[t * h + i] = wordEmbeddings.storage[word + i] + tokenTypeEmbeddings.storage[type + i]
                        + positionEmbeddings.storage[position + i]
                }
            }
        }
        layerNorm.forward(&output)
        return output
    }
}
