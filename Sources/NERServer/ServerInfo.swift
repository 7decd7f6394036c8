import NERServing

/// `GET /info`: version, state, model, and the effective configuration.
struct ServerInfo: Encodable, Sendable {
    var name = "BertNER"
    var version: String
    var state: String
    var model: ModelInfo?
    /// Every setting as the server applies it: the engine's read back from the loaded pipeline.
    var configuration: ConfigurationReport<HTTPOptions>
    /// The server's dictionary: file, entries, last load and reloads.
    var dictionary: DictionaryStore.Status

}
