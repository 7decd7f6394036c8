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

/// `GET /info`: version, state, model, and the effective configuration.
struct ServerInfo: Codable, Sendable {
    /// Every setting as the server applies it. `threads` and `maxBatchTokens` are read from the
    /// loaded pipeline once there is one (so `--threads 0` reports the cores actually used).
    struct Configuration: Codable, Sendable {
        var host: String
        var port: Int
        var modelDirectory: String
        var maxBodyBytes: Int
        var maxTextCharacters: Int
        var maxBatchItems: Int
        var maxBatchTokens: Int
        var maxWaitMilliseconds: Int
        var maxQueue: Int
        var requestTimeoutSeconds: Double
        var threads: Int
        var drainSeconds: Double
        var idleTimeoutSeconds: Double
        var stride: Int
        var logLevel: String

        init(_ c: some ServerArguments, model: NERPipeline?) {
            host = c.host
            port = c.port
            modelDirectory = c.modelDirectory
            maxBodyBytes = c.maxBodyBytes
            maxTextCharacters = c.maxTextCharacters
            maxBatchItems = c.maxBatchItems
            maxBatchTokens = model?.maxTokensPerForward ?? c.maxBatchTokens
            maxWaitMilliseconds = c.maxWaitMilliseconds
            maxQueue = c.maxQueue
            requestTimeoutSeconds = c.requestTimeoutSeconds
            threads = model?.threads ?? c.threads
            drainSeconds = c.drainSeconds
            idleTimeoutSeconds = c.idleTimeoutSeconds
            stride = model?.windowing.stride ?? c.stride
            logLevel = c.logLevel
        }
    }
    var name = "BertNER"
    var version: String
    var state: String
    var model: ModelInfo?
    var configuration: Configuration
}
