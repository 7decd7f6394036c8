import Testing
@_spi(Benchmarks) @testable import BertNER

/// A packed batch must give every sequence exactly what it gets alone.
@Suite("Batching")
struct BatchingTests {
    @Test("8 sequences of lengths 1…300 batched equal the same sequences one by one")
    func batchEqualsSingles() throws {
        let fixture = try EngineFixture("base-geometry-f16")
        let classifier = try fixture.bundle.loadModel()
        let lengths = [1, 2, 17, 64, 128, 199, 256, 300]
        var rng = CRFTests.SplitMix64(state: 42)
        let sequences = lengths.map { n in
            (0..<n).map { _ in Int32.random(in: 0..<Int32(classifier.config.vocabSize), using: &rng) }
        }
        // The batch split over two threads; the singles through one reused (shrinking and growing) workspace.
        let batched = try classifier.logits(PackedBatch(sequences: sequences), workspace: ForwardWorkspace(threads: 2))
        let reused = ForwardWorkspace(threads: 1)
        var worst: Float = 0
        for (k, sequence) in sequences.enumerated().reversed() {
            let alone = try classifier.logits(PackedBatch(sequences: [sequence]), workspace: reused)[0]
            worst = max(worst, batched[k].maxAbsoluteDifference(to: alone))
        }
        // sgemm blocks rows differently for different batch sizes (and threads split rows from 256
        // tokens on), so 12 layers of float rounding differ: measured 1.5e-5 with OpenBLAS's
        // Cooperlake kernels and 6.4e-5 with its Haswell ones, against logits up to 22 — hence a bound
        // relative to the largest logit. A key leaking across sequences moves logits by far more.
        let scale = batched.compactMap { $0.storage.lazy.map(abs).max() }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "batched vs alone: max |Δ| \(worst), largest |logit| \(scale)")
        let paths = classifier.decode(batched)
        for (k, sequence) in sequences.enumerated() {
            let alone = classifier.decode(try classifier.logits(PackedBatch(sequences: [sequence])))[0]
            #expect(paths[k] == alone, "sequence \(k) decodes differently in a batch")
        }
        print("batching: max |Δ| batched vs alone = \(worst), largest |logit| \(scale)")
    }

    @Test("bad token ids and over-long sequences are rejected before computing")
    func inputValidation() throws {
        let classifier = try EngineFixture("tiny").bundle.loadModel()
        let config = classifier.config
        #expect(throws: ModelInputError.tokenIDOutOfRange(id: Int32(config.vocabSize), vocabularySize: config.vocabSize)) {
            try classifier.logits(PackedBatch(sequences: [[101, Int32(config.vocabSize)]]))
        }
        #expect(throws: ModelInputError.tokenIDOutOfRange(id: -1, vocabularySize: config.vocabSize)) {
            try classifier.logits(PackedBatch(sequences: [[-1]]))
        }
        let long = [Int32](repeating: 5, count: config.maxPositionEmbeddings + 1)
        let error = ModelInputError.sequenceTooLong(length: long.count, maximum: config.maxPositionEmbeddings)
        #expect(throws: error) { try classifier.logits(PackedBatch(sequences: [long])) }
        #expect(error.description == "sequence of 161 tokens exceeds max_position_embeddings 160; split it into windows")
        #expect(throws: ModelInputError.tokenTypeOutOfRange(type: 2, typeVocabularySize: 2)) {
            try classifier.logits(PackedBatch(sequences: [[1, 2]], tokenTypes: [[0, 2]]))
        }
        #expect(try classifier.logits(PackedBatch(sequences: [])).isEmpty)
    }
}
