/// Greedy longest-match-first WordPiece over one word, as Hugging Face's `WordPiece` model:
/// continuation pieces carry the `##` prefix; a word longer than `maxCharactersPerWord`, or one
/// that cannot be covered by vocabulary pieces, becomes a single [UNK] spanning the whole word.
package struct WordPieceTokenizer: Sendable {
    package let vocabulary: Vocabulary
    package let unknownID: Int32
    package let maxCharactersPerWord: Int

    package init(vocabulary: Vocabulary, unknownID: Int32, maxCharactersPerWord: Int) {
        self.vocabulary = vocabulary
        self.unknownID = unknownID
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    /// Pieces of `word` as (id, range of normalised characters).
    package func pieces(_ word: BasicTokenizer.Word) -> [(id: Int32, range: Range<Int>)] {
        let scalars = word.scalars
        guard scalars.count <= maxCharactersPerWord else { return [(unknownID, 0..<scalars.count)] }
        var pieces: [(id: Int32, range: Range<Int>)] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while end > start {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: scalars[start..<end])
                if let id = vocabulary.id(of: candidate) { found = id; break }
                end -= 1
            }
            guard let id = found else { return [(unknownID, 0..<scalars.count)] }
            pieces.append((id, start..<end))
            start = end
        }
        return pieces
    }
}
