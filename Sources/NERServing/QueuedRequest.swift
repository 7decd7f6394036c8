import BertNER

/// One request's texts in the request queue, prepared (tokenized, split, windowed, dictionary
/// matched) on the caller's task. The mutable parts are touched only under the queue's lock.
final class QueuedRequest: @unchecked Sendable {
    let sequences: [[Int32]]
    /// Per sequence, what the request's dictionary allows (nil: nothing decided).
    let constraints: [TagConstraints?]
    let pipeline: NERPipeline
    let textCount: Int
    /// One past each text's last sequence (texts without pieces have none).
    let textEnds: [Int]
    /// Sequences handed to batches so far.
    var taken = 0
    var results: [DecodedSequence] = []
    /// The caller's, until the request is answered or dropped (nil from then on).
    var continuation: CheckedContinuation<[DecodedSequence], any Error>?
    var cancelled = false

    init(texts: [PreparedText], pipeline: NERPipeline) {
        sequences = texts.flatMap(\.sequences)
        constraints = texts.flatMap(\.constraints)
        textCount = texts.count
        var end = 0
        textEnds = texts.map { end += $0.sequences.count; return end }
        self.pipeline = pipeline
    }

    var untakenTokens: Int { sequences[taken...].reduce(0) { $0 + $1.count } }

    /// Texts with at least one sequence in `range`.
    func texts(in range: Range<Int>) -> Int {
        var start = 0, count = 0
        for end in textEnds {
            if start < end, start < range.upperBound, range.lowerBound < end { count += 1 }
            start = end
        }
        return count
    }
}
