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
///
/// A sentence of fewer than `minimumPieces` pieces is tagged together with the sentences after it
/// on the same line until the group has that many: a fragment such as "好。" has no context of its
/// own, and as a sequence of its own it would cost [CLS] and [SEP] for every one or two pieces — a
/// text of two-character sentences ran twice the word pieces of ordinary text. Line breaks always
/// separate (lists of names, one per line, must not run together).
///
/// `@_spi(Fuzzing)`: the fuzzer (Fuzz/, a package of its own) checks that sentences tile the pieces.
@_spi(Fuzzing) public struct SentenceSplitter: Sendable {
    static let terminators: Set<Unicode.Scalar> = ["。", "！", "？", "；", "!", "?", ";", "…", "｡"]
    static let closers: Set<Unicode.Scalar> = ["”", "’", "」", "』", "）", ")", "》", "〉", "】", "\"", "'", "]"]

    /// Shorter sentences join the next one on their line (0 or 1: every sentence alone).
    var minimumPieces: Int

    public init(minimumPieces: Int = 8) {
        self.minimumPieces = minimumPieces
    }

    /// Piece ranges of the sentences (covering all pieces, in order).
    public func sentences(of pieces: [BertTokenizer.Token], in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        guard !pieces.isEmpty else { return [] }
        var sentences: [Range<Int>] = []
        var lineBreakBefore: [Bool] = []  // per sentence: does a line break separate it from the previous one?
        var lineBreak = false
        var start = 0
        var closing = false  // just saw a terminator; closers still belong to this sentence
        for index in pieces.indices {
            let piece = pieces[index]
            let text = scalars[piece.start..<piece.end]
            // Pieces of one character share its span (HF gives e.g. "ï" → i + ̈ the same offsets),
            // so the previous piece may end after this one starts: no gap then.
            let breakBefore = index > 0 && pieces[index - 1].end < piece.start
                && scalars[pieces[index - 1].end..<piece.start].contains(where: { $0 == "\n" || $0 == "\r" })
            let continuesTerminator = text.count == 1 && text.first.map { Self.closers.contains($0) || Self.terminators.contains($0) } == true
            if index > start, (closing && !continuesTerminator) || breakBefore {
                sentences.append(start..<index)
                lineBreakBefore.append(lineBreak)
                lineBreak = breakBefore
                start = index
                closing = false
            }
            if text.count == 1, let scalar = text.first, Self.terminators.contains(scalar) { closing = true }
        }
        sentences.append(start..<pieces.count)
        lineBreakBefore.append(lineBreak)
        return joiningShort(sentences, lineBreakBefore: lineBreakBefore)
    }

    private func joiningShort(_ sentences: [Range<Int>], lineBreakBefore: [Bool]) -> [Range<Int>] {
        var joined: [Range<Int>] = []
        for (index, sentence) in sentences.enumerated() {
            if let last = joined.last, last.count < minimumPieces, !lineBreakBefore[index] {
                joined[joined.count - 1] = last.lowerBound..<sentence.upperBound
            } else {
                joined.append(sentence)
            }
        }
        return joined
    }
}
