import BertNER

/// What the request queue hands the inference loop: sequences of one or more requests in arrival
/// order, packed once, within one forward pass's word-piece budget and all of one pipeline.
struct QueuedBatch: Sendable {
    /// The sequences `range` of `request`.
    struct Part: Sendable {
        let request: QueuedRequest
        let range: Range<Int>
    }

    let parts: [Part]
    let pipeline: NERPipeline
    let sequences: [[Int32]]
    let constraints: [TagConstraints?]

    /// `parts` must not be empty.
    init(parts: [Part]) {
        self.parts = parts
        pipeline = parts[0].request.pipeline
        sequences = parts.flatMap { $0.request.sequences[$0.range] }
        constraints = parts.flatMap { $0.request.constraints[$0.range] }
    }

    /// Texts with a sequence in this batch (`ner_batch_texts`).
    var texts: Int { parts.reduce(0) { $0 + $1.request.texts(in: $1.range) } }
    var tokens: Int { sequences.reduce(0) { $0 + $1.count } }
    var requests: Set<ObjectIdentifier> { Set(parts.map { ObjectIdentifier($0.request) }) }
}
