import BertNER

/// What `GET /info` says about the loaded model (the same section for `ner serve` and `ner stream`).
package struct ModelInfo: Codable, Sendable, Equatable {
    package var directory: String
    package var layers: Int
    package var hiddenSize: Int
    package var attentionHeads: Int
    package var intermediateSize: Int
    package var maxPositions: Int
    package var vocabularySize: Int
    package var labels: [String]
    package var entityTypes: [String]
    package var tagScheme: String
    package var decoder: String
    /// The precision the encoder's dense layers run in, and the kernels that run them.
    package var precision: Precision
    package var kernels: String
    /// With `--precision auto`: every precision's time on the probe, or why it was not eligible.
    package var precisionSelection: PrecisionSelection?

    init(pipeline: NERPipeline, directory: String) {
        let config = pipeline.config
        self.directory = directory
        layers = config.numHiddenLayers
        hiddenSize = config.hiddenSize
        attentionHeads = config.numAttentionHeads
        intermediateSize = config.intermediateSize
        maxPositions = config.maxPositionEmbeddings
        vocabularySize = config.vocabSize
        labels = config.labels
        entityTypes = pipeline.entityTypes
        tagScheme = pipeline.scheme.rawValue
        decoder = config.usesCRF ? "crf" : "argmax"
        precision = pipeline.precision
        kernels = pipeline.productKernels
        precisionSelection = pipeline.precisionSelection
    }
}
