/// One recognised entity. Offsets are Unicode code-point indices into the input text, `end`
/// exclusive — the unit Python, RaNER/ModelScope and the HTTP API use.
public struct Entity: Sendable, Equatable, Hashable, Codable {
    /// Who decided the entity: the model, or a dictionary entry that forced it.
    public enum Source: String, Sendable, Hashable, Codable {
        case model
        case dictionary
    }

    public var word: String
    public var start: Int
    public var end: Int
    public var type: String
    /// The product of the probabilities of the entity's tags: CRF marginals for CRF models,
    /// softmax probabilities for argmax models. In (0, 1]; higher is more certain. For an entity a
    /// dictionary forced, the model's own probability of it, without the dictionary — low where the
    /// model disagreed.
    public var score: Double
    public var source: Source

    public init(word: String, start: Int, end: Int, type: String, score: Double, source: Source = .model) {
        self.word = word
        self.start = start
        self.end = end
        self.type = type
        self.score = score
        self.source = source
    }

    private enum CodingKeys: String, CodingKey { case word, start, end, type, score, source }

    /// `source` may be absent (entities written before dictionaries existed): the model's.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        word = try container.decode(String.self, forKey: .word)
        start = try container.decode(Int.self, forKey: .start)
        end = try container.decode(Int.self, forKey: .end)
        type = try container.decode(String.self, forKey: .type)
        score = try container.decode(Double.self, forKey: .score)
        source = try container.decodeIfPresent(Source.self, forKey: .source) ?? .model
    }
}
