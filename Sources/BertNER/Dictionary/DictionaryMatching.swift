/// An occurrence of a dictionary entry in a text, as a range of the text's word pieces.
package struct DictionaryMatch: Sendable, Equatable {
    var pieces: Range<Int>
    var decision: EntityDictionary.Decision
}

/// The entries found in one text.
package struct DictionaryMatches: Sendable, Equatable {
    /// Non-overlapping, in text order.
    package var matches: [DictionaryMatch] = []
    /// Positions where entries occur only across word-piece boundaries (`hon` in `iphone`), so
    /// nothing was applied there.
    package var misaligned = 0

    static let none = DictionaryMatches()
}

extension EntityDictionary {
    /// The entries of all layers in `scalars`, leftmost-longest and non-overlapping; a longer entry
    /// wins over a shorter one at the same start, and for the same word the higher layer decides.
    /// A match must start where a piece starts and end where a piece ends.
    func matches(in scalars: [Unicode.Scalar], pieces: [BertTokenizer.Token]) -> DictionaryMatches {
        guard !isEmpty, !pieces.isEmpty else { return .none }
        let n = scalars.count
        // The first piece starting at, and the last piece ending at, each code-point boundary.
        var startingPiece = [Int32](repeating: -1, count: n + 1)
        var endingPiece = [Int32](repeating: -1, count: n + 1)
        for (index, piece) in pieces.enumerated().reversed() where piece.start <= n { startingPiece[piece.start] = Int32(index) }
        for (index, piece) in pieces.enumerated() where piece.end <= n { endingPiece[piece.end] = Int32(index) }
        let folded = layers.map { layer in scalars.map { CaseFolding.fold($0, lowercase: layer.lowercase) } }
        var result = DictionaryMatches()
        var position = 0
        while position < n {
            var best: (end: Int, layer: Int, code: UInt8)?
            var misaligned = false
            for (index, layer) in layers.enumerated() {
                let text = folded[index]
                var node = DictionaryTrie.root, end = position
                while end < n, let next = layer.trie.child(of: node, text[end]) {
                    node = next
                    end += 1
                    let code = layer.trie.decisions[Int(next)]
                    guard code != 0 else { continue }
                    guard startingPiece[position] >= 0, endingPiece[end] >= startingPiece[position] else {
                        misaligned = true
                        continue
                    }
                    if end > best?.end ?? position { best = (end, index, code) }  // ties: the earlier layer
                }
            }
            guard let best else {
                if misaligned { result.misaligned += 1 }
                position += 1
                continue
            }
            let first = Int(startingPiece[position]), last = Int(endingPiece[best.end])
            result.matches.append(DictionaryMatch(pieces: first..<(last + 1), decision: layers[best.layer].decision(best.code)))
            position = best.end
        }
        return result
    }
}
