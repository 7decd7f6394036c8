import BertNER
import NERServing

/// `GET /info`: version, state, model, and the effective configuration.
struct ServerInfo: Codable, Sendable {
    var name = "BertNER"
    var version: String
    var state: String
    var model: ModelInfo?
    /// Every setting as the server applies it (`EngineSettingsReport`).
    var configuration: ServerConfiguration
    /// The server's dictionary: file, entries, last load and reloads.
    var dictionary: DictionaryStore.Status

    init(version: String, state: String, model: ModelInfo?, arguments: some ServerArguments, pipeline: NERPipeline?,
         dictionary: DictionaryStore.Status) {
        self.version = version
        self.dictionary = dictionary
        self.state = state
        self.model = model
        configuration = ServerConfiguration(arguments)
        configuration.report(pipeline)
    }
}
