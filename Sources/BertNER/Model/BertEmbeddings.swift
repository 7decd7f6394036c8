/// `bert.embeddings`: word + position + token-type embeddings, then LayerNorm (dropout is a no-op
/// at inference).
struct BertEmbeddings: Sendable {
    let wordEmbeddings: Matrix
    let positionEmbeddings: Matrix
    let tokenTypeEmbeddings: Matrix
    let layerNorm: LayerNorm

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
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
    func forward(_ batch: PackedBatch, into output: MatrixSlice, pool: ComputePool) {
        pool.run(parts: pool.rowParts(batch.tokenCount), Rows(embeddings: self, batch: batch, output: output))
        layerNorm.forward(output, pool: pool)
    }

    /// The sums for one block of tokens per part.
    private struct Rows: ParallelWork {
        let embeddings: BertEmbeddings
        let batch: PackedBatch
        let output: MatrixSlice

        func run(part: Int, of parts: Int) {
            let h = embeddings.wordEmbeddings.columns
            embeddings.wordEmbeddings.storage.withUnsafeBufferPointer { words in
                embeddings.positionEmbeddings.storage.withUnsafeBufferPointer { positions in
                    embeddings.tokenTypeEmbeddings.storage.withUnsafeBufferPointer { types in
                        for t in ComputePool.block(part, of: parts, in: batch.tokenCount, multiple: 1) {
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
    }
}
