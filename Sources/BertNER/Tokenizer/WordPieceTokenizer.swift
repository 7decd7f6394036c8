/// Greedy longest-match-first WordPiece over one word, as Hugging Face's `WordPiece` model:
/// continuation pieces carry the `##` prefix; a word longer than `maxCharactersPerWord`, or one
/// that cannot be covered by vocabulary pieces, becomes a single [UNK] spanning the whole word.
struct WordPieceTokenizer: Sendable {
    let vocabulary: Vocabulary
    let unknownID: Int32
    let maxCharactersPerWord: Int

    init(vocabulary: Vocabulary, unknownID: Int32, maxCharactersPerWord: Int) {
        self.vocabulary = vocabulary
        self.unknownID = unknownID
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    /// Appends the pieces of `word` as (id, range of its characters, in `word`'s indices).
    func appendPieces(of word: ArraySlice<Unicode.Scalar>, to pieces: inout [(id: Int32, range: Range<Int>)]) {
        guard word.count <= maxCharactersPerWord else { return pieces.append((unknownID, word.indices)) }
        let first = pieces.count
        var start = word.startIndex
        while start < word.endIndex {
            var end = word.endIndex
            var found: Int32?
            while end > start {
                if end == start + 1 {
                    found = vocabulary.id(of: word[start], continuation: start > word.startIndex)
                    break
                }
                var candidate = start > word.startIndex ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary.id(of: candidate) { found = id; break }
                end -= 1
            }
            guard let id = found else {
                pieces.removeSubrange(first...)
                return pieces.append((unknownID, word.indices))
            }
            pieces.append((id, start..<end))
            start = end
        }
    }
}
