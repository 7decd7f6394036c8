import Foundation

/// The fields of a Hugging Face `BertConfig` (`config.json`) the engine uses, plus the labels.
/// Decoding validates the geometry so a bad file fails at load with a message, not at inference.
package struct BertConfig: Sendable, Equatable {
    package var vocabSize: Int
    package var hiddenSize: Int
    package var numHiddenLayers: Int
    package var numAttentionHeads: Int
    package var intermediateSize: Int
    package var hiddenActivation: Activation
    package var maxPositionEmbeddings: Int
    var typeVocabSize: Int
    var layerNormEpsilon: Float
    /// Label names by id (`id2label`), dense from 0.
    package var labels: [String]
    /// Whether `crf.*` tensors are expected (`use_crf` in config.json; BertNER's own key).
    package var usesCRF: Bool
    /// `tag_scheme` in config.json when present (BIO, BIOES, BMES, any case); nil: inferred from
    /// the labels.
    var tagScheme: TagScheme?

    var headSize: Int { hiddenSize / numAttentionHeads }

    init(vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                intermediateSize: Int, hiddenActivation: Activation = .gelu, maxPositionEmbeddings: Int = 512,
                typeVocabSize: Int = 2, layerNormEpsilon: Float = 1e-12, labels: [String], usesCRF: Bool,
                tagScheme: TagScheme? = nil) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEpsilon = layerNormEpsilon
        self.labels = labels
        self.usesCRF = usesCRF
        self.tagScheme = tagScheme
    }

    /// Reads and validates `config.json`.
    init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelLoadingError.fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelLoadingError.unreadableFile(path: path, reason: "could not read the file")
        }
        try self.init(json: data, path: path)
    }

    init(json data: Data, path: String = "config.json") throws {
        func fail(_ reason: String) -> ModelLoadingError { .invalidConfig(path: path, reason: reason) }
        let raw: RawConfig
        do {
            raw = try JSONDecoder().decode(RawConfig.self, from: data)
        } catch DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            if key.isEmpty { throw fail("not a JSON object") }
            throw fail("'\(key)' must be \(type == String.self ? "a string" : type == Bool.self ? "true or false" : "a number")")
        } catch DecodingError.keyNotFound(let key, _) {
            throw fail("missing '\(key.stringValue)'")
        } catch {
            throw fail("not a JSON object")
        }
        func positive(_ value: Int?, _ key: String, default fallback: Int? = nil) throws -> Int {
            guard let n = value ?? fallback else { throw fail("missing '\(key)'") }
            guard n > 0 else { throw fail("'\(key)' must be positive, found \(n)") }
            return n
        }
        vocabSize = try positive(raw.vocab_size, "vocab_size")
        hiddenSize = try positive(raw.hidden_size, "hidden_size")
        numHiddenLayers = try positive(raw.num_hidden_layers, "num_hidden_layers")
        numAttentionHeads = try positive(raw.num_attention_heads, "num_attention_heads")
        intermediateSize = try positive(raw.intermediate_size, "intermediate_size")
        maxPositionEmbeddings = try positive(raw.max_position_embeddings, "max_position_embeddings", default: 512)
        typeVocabSize = try positive(raw.type_vocab_size, "type_vocab_size", default: 2)
        // A window holds max_position_embeddings − 2 pieces besides [CLS] and [SEP].
        guard maxPositionEmbeddings > 2 else {
            throw fail("'max_position_embeddings' must be at least 3 ([CLS], one piece, [SEP]), found \(maxPositionEmbeddings)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw fail("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        let activationName = raw.hidden_act ?? "gelu"
        guard let activation = Activation(configName: activationName) else {
            throw fail("unsupported hidden_act '\(activationName)' (supported: \(Activation.supportedNames.joined(separator: ", ")))")
        }
        hiddenActivation = activation
        let epsilon = raw.layer_norm_eps ?? 1e-12
        guard epsilon > 0 else { throw fail("'layer_norm_eps' must be positive") }
        layerNormEpsilon = Float(epsilon)
        guard let id2label = raw.id2label, !id2label.isEmpty else {
            throw fail("missing 'id2label' (the label of each output id)")
        }
        var labels = [String](repeating: "", count: id2label.count)
        for (key, name) in id2label {
            guard let id = Int(key), id >= 0, id < id2label.count else {
                throw fail("id2label keys must be 0..\(id2label.count - 1), found '\(key)'")
            }
            guard !name.isEmpty else { throw fail("id2label[\(key)] must be a non-empty string") }
            labels[id] = name
        }
        self.labels = labels
        usesCRF = raw.use_crf ?? false
        if let name = raw.tag_scheme {
            guard let scheme = TagScheme(rawValue: name.uppercased()) else {
                throw fail("unknown tag_scheme '\(name)' (expected BIO, BIOES or BMES)")
            }
            tagScheme = scheme
        } else {
            tagScheme = nil
        }
    }
}

/// config.json as written: every field optional so that absence and wrong types get distinct messages.
private struct RawConfig: Decodable {
    var vocab_size: Int?
    var hidden_size: Int?
    var num_hidden_layers: Int?
    var num_attention_heads: Int?
    var intermediate_size: Int?
    var hidden_act: String?
    var max_position_embeddings: Int?
    var type_vocab_size: Int?
    var layer_norm_eps: Double?
    var id2label: [String: String]?
    var use_crf: Bool?
    var tag_scheme: String?
}
