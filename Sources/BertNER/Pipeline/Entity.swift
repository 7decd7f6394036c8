/// One recognised entity. Offsets are Unicode code-point indices into the input text, `end`
/// exclusive — the unit Python, RaNER/ModelScope and the HTTP API use.
public struct Entity: Sendable, Equatable, Hashable, Codable {
    public var word: String
    public var start: Int
    public var end: Int
    public var type: String
    /// The product of the probabilities of the entity's tags: CRF marginals for CRF models,
    /// softmax probabilities for argmax models. In (0, 1]; higher is more certain.
    public var score: Double

    public init(word: String, start: Int, end: Int, type: String, score: Double) {
        self.word = word
        self.start = start
        self.end = end
        self.type = type
        self.score = score
    }
}
