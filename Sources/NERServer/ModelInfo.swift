import BertNER

/// What `GET /info` says about the loaded model.
public struct ModelInfo: Codable, Sendable, Equatable {
    public var directory: String
    public var layers: Int
    public var hiddenSize: Int
    public var attentionHeads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var vocabularySize: Int
    public var labels: [String]
    public var entityTypes: [String]
    public var tagScheme: String
    public var decoder: String
    /// The precision the encoder's dense layers run in, and the kernels that run them.
    public var precision: Precision
    public var kernels: String
    /// With `--precision auto`: every precision's time on the probe, or why it was not eligible.
    public var precisionSelection: PrecisionSelection?

    package init(pipeline: NERPipeline, directory: String) {
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

/// `GET /info`: version, state, model, and the effective configuration.
struct ServerInfo: Codable, Sendable {
    var name = "BertNER"
    var version: String
    var state: String
    var model: ModelInfo?
    /// Every setting as the server applies it: `threads`, `maxBatchTokens` and `stride` are read
    /// from the loaded pipeline once there is one (so `--threads 0` reports the cores actually used).
    var configuration: ServerConfiguration
    /// The server's dictionary: file, entries, last load and reloads.
    var dictionary: DictionaryStore.Status

    init(version: String, state: String, model: ModelInfo?, arguments: some ServerArguments, pipeline: NERPipeline?,
         dictionary: DictionaryStore.Status) {
        self.version = version
        self.dictionary = dictionary
        self.state = state
        self.model = model
        var configuration = ServerConfiguration(arguments)
        if let pipeline {
            configuration.threads = pipeline.threads
            configuration.maxBatchTokens = pipeline.maxTokensPerForward
            configuration.stride = pipeline.windowing.stride
        }
        self.configuration = configuration
    }
}
