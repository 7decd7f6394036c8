import Testing
@_spi(Benchmarks) @testable import BertNER

/// Every intermediate tensor, the logits, the Viterbi paths and the marginals against PyTorch.
@Suite("Engine parity with PyTorch")
struct EngineParityTests {
    static let tolerance: Float = 1e-4

    @Test("embeddings, every layer and logits within 1e-4, on one thread and split over two",
          arguments: EngineFixture.names, [1, 2])
    func hiddenStatesAndLogits(name: String, threads: Int) throws {
        let fixture = try EngineFixture(name)
        let classifier = try fixture.bundle.loadModel()
        let config = classifier.config
        let batch = PackedBatch(sequences: fixture.reference.sequences)
        var embeddings: Matrix?
        var layers: [Int: Matrix] = [:]
        let workspace = ForwardWorkspace(threads: threads)
        let buffers = try classifier.bert.forward(batch, workspace: workspace,
                                                  observeEmbeddings: { embeddings = $0.copy() },
                                                  observeLayer: { layers[$0] = $1.copy() })
        classifier.head.forward(buffers.hidden, into: buffers.logits, pool: workspace.pool)
        let logits = buffers.logits.copy()
        var worst: Float = 0
        for (k, range) in batch.ranges.enumerated() {
            let checks: [(String, Matrix?, Int)] = [("embeddings", embeddings, config.hiddenSize)]
                + (0..<config.numHiddenLayers).map { ("layer.\($0)", layers[$0], config.hiddenSize) }
                + [("logits", logits, config.labels.count)]
            for (kind, actual, width) in checks {
                let mine = try #require(actual).rows(range)
                let difference = mine.maxAbsoluteDifference(to: try fixture.expected(kind, k, columns: width))
                #expect(difference <= Self.tolerance, "\(name) \(kind) sequence \(k): max |Δ| \(difference)")
                worst = max(worst, difference)
            }
        }
        print("parity \(name), \(threads) threads: max |Δ| over all intermediates and logits = \(worst)")
    }

    @Test("CRF Viterbi paths equal PyTorch's", arguments: EngineFixture.names)
    func viterbiPaths(name: String) throws {
        let fixture = try EngineFixture(name)
        let classifier = try fixture.bundle.loadModel()
        guard let crf = classifier.crf else { return }  // argmax-only fixture
        let labels = classifier.config.labels.count
        // Decode PyTorch's own logits, so the test isolates the CRF from encoder rounding.
        let emissions = try (0..<fixture.reference.sequences.count).map { try fixture.expected("logits", $0, columns: labels) }
        #expect(emissions.map(crf.viterbi) == fixture.reference.viterbi_paths)
        // And end to end: our logits give the same paths.
        let ours = try classifier.logits(PackedBatch(sequences: fixture.reference.sequences))
        #expect(classifier.decode(ours) == fixture.reference.viterbi_paths)
    }

    @Test("CRF marginals within 1e-5 of PyTorch forward–backward and sum to 1", arguments: EngineFixture.names)
    func marginals(name: String) throws {
        let fixture = try EngineFixture(name)
        let classifier = try fixture.bundle.loadModel()
        guard let crf = classifier.crf else { return }
        let labels = classifier.config.labels.count
        for k in fixture.reference.sequences.indices {
            let marginals = crf.marginals(try fixture.expected("logits", k, columns: labels))
            let difference = marginals.maxAbsoluteDifference(to: try fixture.expected("marginals", k, columns: labels))
            #expect(difference <= 1e-5, "\(name) sequence \(k): max |Δ| \(difference)")
            for row in 0..<marginals.rows {
                let sum = marginals.row(row).reduce(0, +)
                #expect(abs(sum - 1) <= 1e-5, "\(name) sequence \(k) position \(row) sums to \(sum)")
            }
        }
    }
}
