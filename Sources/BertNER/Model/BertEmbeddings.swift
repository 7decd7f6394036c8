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

    /// Writes `[batch.tokenCount, H]` to `output`. Ids must be valid (`BertModel.validate` checks them first).
    public func forward(_ batch: PackedBatch, into output: MatrixSlice, pool: ComputePool) {
        let h = wordEmbeddings.columns
        pool.forEachRowBlock(batch.tokenCount) { rows in
            wordEmbeddings.storage.withUnsafeBufferPointer { words in
                positionEmbeddings.storage.withUnsafeBufferPointer { positions in
                    tokenTypeEmbeddings.storage.withUnsafeBufferPointer { types in
                        for t in rows {
                            let word = words.baseAddress! + Int(batch.tokenIDs[t]) * h
                            let position = positions.baseAddress! + Int(batch.positions[t]) * h
                            let type = types.baseAddress! + Int(batch.tokenTypeIDs[t]) * h
                            let out = output.row(t)
                            // Same summation order as PyTorch: (word + token type) + position.
                            for i in 0..<h { out[i] = word[i] + type[i] + position[i] }
                        }
                    }
                }
            }
        }
        layerNorm.forward(output, pool: pool)
    }
}
