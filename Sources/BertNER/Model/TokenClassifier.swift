/// `BertForTokenClassification` (+ optional CRF): the whole model from token ids to label scores.
///
/// Not API: embedders go through `NERPipeline`. `@_spi(Benchmarks)` because the benchmark harness
/// (Benchmarks/, a package of its own) times `emissions` below the pipeline, with `ModelBundle`,
/// `PackedBatch` and `ForwardWorkspace`; `ner bench` imports the same SPI.
@_spi(Benchmarks) public struct TokenClassifier: Sendable {
    package let config: BertConfig
    let bert: BertModel
    let head: TokenClassificationHead
    /// Present when the config says `use_crf`; otherwise decoding is argmax.
    let crf: CRF?

    /// The precision of the encoder's dense layers (the classifier and CRF are fp32 in all).
    let precision: Precision

    init(weights: SafeTensorsFile, config: BertConfig, precision: Precision = .fp32) throws {
        self.config = config
        self.precision = precision
        bert = try BertModel(weights: weights, config: config, precision: precision)
        head = try TokenClassificationHead(weights: weights, config: config)
        crf = config.usesCRF ? try CRF(weights: weights, labelCount: config.labels.count) : nil
    }

    /// Emissions (logits) per sequence of the batch, each `[sequence length, labels]`. Reusing
    /// one `workspace` across calls avoids re-allocating the activations; its thread count decides
    /// how many cores the pass uses.
    package func logits(_ batch: PackedBatch, workspace: ForwardWorkspace = ForwardWorkspace()) throws -> [Matrix] {
        let scores = try emissions(batch, workspace: workspace)
        return batch.ranges.map { scores.copy(rows: $0) }
    }

    /// The logits of the whole packed batch `[batch.tokenCount, labels]`, left in the workspace
    /// (valid until its next pass): the allocation-free form of `logits`.
    public func emissions(_ batch: PackedBatch, workspace: ForwardWorkspace) throws -> MatrixSlice {
        let buffers = try bert.forward(batch, workspace: workspace)
        head.forward(buffers.hidden, into: buffers.logits, pool: workspace.pool)
        return buffers.logits
    }

    /// The kernels of the encoder's dense products, e.g. "oneDNN 2.6.3 brg:avx512_core_vnni (u8 activations 0…255)"
    /// (several, joined by "; ", if layers differ).
    package var productKernels: String {
        var names: [String] = []
        for layer in bert.encoder.layers {
            for linear in [layer.attention.selfAttention.queryKeyValue, layer.attention.output.dense,
                           layer.intermediate.dense, layer.output.dense] where !names.contains(linear.kernelName) {
                names.append(linear.kernelName)
            }
        }
        if let attention = bert.encoder.layers.first?.attention.selfAttention, attention.headProducts != nil {
            names.append("attention: \(attention.kernelName)")
        }
        let substituted = DenseProduct.substitutedKernels
        return names.joined(separator: "; ") + (substituted.isEmpty ? "" : " — substituted: " + substituted.joined(separator: ", "))
    }

    /// How this model's emissions become tags (CRF or argmax).
    var decoder: SequenceDecoder { SequenceDecoder(model: self) }

    /// The best label path per sequence: CRF Viterbi, or per-token argmax without a CRF.
    func decode(_ logits: [Matrix]) -> [[Int]] {
        let decoder = self.decoder
        return logits.map { $0.withSlice { decoder.path($0) } }
    }
}
