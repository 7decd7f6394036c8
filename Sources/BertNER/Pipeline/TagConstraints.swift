/// Which labels each position of one sequence may take: the masks constrained decoding applies to
/// the same Viterbi and forward–backward recursions (a disallowed label's emission is −∞), so the
/// best path and the marginals are those *subject to* a dictionary.
package struct TagConstraints: Sendable, Equatable {
    let steps: Int
    let labels: Int
    /// Row-major `[steps, labels]`.
    private(set) var allowed: [Bool]
    /// Whether some position is forced to an entity tag (its model probability is then reported).
    private(set) var forcesEntities = false

    init(steps: Int, labels: Int) {
        self.steps = steps
        self.labels = labels
        allowed = [Bool](repeating: true, count: steps * labels)
    }

    @inline(__always)
    func allows(_ step: Int, _ label: Int) -> Bool { allowed[step * labels + label] }

    /// Keeps only the labels of `mask` at `step`.
    mutating func restrict(_ step: Int, to mask: [Bool]) {
        for label in 0..<labels where !mask[label] { allowed[step * labels + label] = false }
    }

    mutating func force(_ step: Int, to label: Int) {
        for other in 0..<labels where other != label { allowed[step * labels + other] = false }
        forcesEntities = true
    }
}

/// The labels a scheme uses to spell spans, looked up once per model: what a forced span's pieces
/// must be, and which labels may stand next to a span without running into it.
struct SpanLabels: Sendable {
    private let scheme: TagScheme
    private let labels: [TagScheme.Tag]
    /// O only.
    let outside: [Bool]
    /// Labels after which an entity may begin: every label in BIO; O, E-, S- in BIOES / BMES.
    let closing: [Bool]
    /// Labels that do not continue an entity begun before them: O, B-, S-.
    let opening: [Bool]

    init(scheme: TagScheme, labels: [TagScheme.Tag]) {
        self.scheme = scheme
        self.labels = labels
        outside = labels.map { $0.prefix == "O" }
        closing = labels.map { scheme == .bio || "OES".contains($0.prefix) }
        opening = labels.map { "OBS".contains($0.prefix) }
    }

    /// The label of piece `offset` of a forced entity of `length` pieces, if the model has it.
    func forced(type: String, offset: Int, length: Int) -> Int? {
        let prefix: Character
        if length == 1 {
            prefix = scheme == .bio ? "B" : "S"
        } else if offset == 0 {
            prefix = "B"
        } else if offset == length - 1, scheme != .bio {
            prefix = "E"
        } else {
            prefix = scheme == .bmes ? "M" : "I"
        }
        return labels.firstIndex(of: TagScheme.Tag(prefix: prefix, type: type))
    }

    /// The constraints of the window `window` (piece indices) from the text's matches, or nil when
    /// none touches it. A forced span's pieces take its entity's tags, a blocked span's O; the piece
    /// before a span must close whatever precedes, the piece after must not continue into the span.
    /// A span crossing the window's edge constrains the part inside, so every window holding a
    /// piece forces the same tag on it.
    func constraints(window: Range<Int>, matches: [DictionaryMatch]) -> TagConstraints? {
        var result: TagConstraints?
        for match in matches where match.pieces.lowerBound <= window.upperBound && match.pieces.upperBound >= window.lowerBound {
            if result == nil { result = TagConstraints(steps: window.count, labels: labels.count) }
            let span = match.pieces
            for piece in span where window.contains(piece) {
                let step = piece - window.lowerBound
                switch match.decision {
                case .block:
                    result?.restrict(step, to: outside)
                case .entity(let type):
                    if let label = forced(type: type, offset: piece - span.lowerBound, length: span.count) { result?.force(step, to: label) }
                }
            }
            if window.contains(span.lowerBound - 1) { result?.restrict(span.lowerBound - 1 - window.lowerBound, to: closing) }
            if window.contains(span.upperBound) { result?.restrict(span.upperBound - window.lowerBound, to: opening) }
        }
        return result
    }
}
