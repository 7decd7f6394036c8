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

    init(pipeline: NERPipeline, directory: String) {
        let config = pipeline.model.config
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
    }
}

/// `GET /info`: version, state, model, limits and batching settings.
struct ServerInfo: Codable, Sendable {
    struct Limits: Codable, Sendable {
        var maxBodyBytes: Int
        var maxTextCharacters: Int
        var maxBatchItems: Int
    }
    struct Batching: Codable, Sendable {
        var maxBatchTokens: Int
        var maxWaitMilliseconds: Int
        var maxQueue: Int
    }
    var name = "BertNER"
    var version: String
    var state: String
    var model: ModelInfo?
    var limits: Limits
    var batching: Batching
}
