/// Splits a text's word pieces into sentences, so that each sentence is tagged on its own.
///
/// Why: the model's predictions depend on the surrounding text, and a from-scratch model's do so
/// noticeably (the first default model found only 73 % of the same spans in a 5,000-character
/// document as in its sentences tagged one by one). Tagging per sentence makes a text's entities
/// independent of what it is concatenated with, and matches the unit the model is trained and
/// evaluated on (MSRA sentences). Sentences longer than a window are still windowed.
///
/// A sentence ends after 。！？；!?; or … (plus any closing quotes or brackets right after it), and
/// at every line break.
@_spi(Engine) public struct SentenceSplitter: Sendable {
    static let terminators: Set<Unicode.Scalar> = ["。", "！", "？", "；", "!", "?", ";", "…", "｡"]
    static let closers: Set<Unicode.Scalar> = ["”", "’", "」", "』", "）", ")", "》", "〉", "】", "\"", "'", "]"]

    public init() {}

    /// Piece ranges of the sentences (covering all pieces, in order).
    public func sentences(of pieces: [BertTokenizer.Token], in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        guard !pieces.isEmpty else { return [] }
        var sentences: [Range<Int>] = []
        var start = 0
        var closing = false  // just saw a terminator; closers still belong to this sentence
        for index in pieces.indices {
            let piece = pieces[index]
            let text = scalars[piece.start..<piece.end]
            if closing && !(text.count == 1 && text.first.map(Self.closers.contains) == true)
                && !(text.count == 1 && text.first.map(Self.terminators.contains) == true) {
                sentences.append(start..<index)
                start = index
                closing = false
            }
            // Pieces of one character share its span (HF gives e.g. "ï" → i + ̈ the same offsets),
            // so the previous piece may end after this one starts: no gap then.
            if index > start, pieces[index - 1].end < piece.start,
               scalars[pieces[index - 1].end..<piece.start].contains(where: { $0 == "\n" || $0 == "\r" }) {
                sentences.append(start..<index)
                start = index
                closing = false
            }
            if text.count == 1, let scalar = text.first, Self.terminators.contains(scalar) { closing = true }
        }
        sentences.append(start..<pieces.count)
        return sentences
    }
}
