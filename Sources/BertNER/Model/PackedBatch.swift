/// Sequences of token ids concatenated without padding: dense layers see one `[totalTokens, H]`
/// matrix, attention works per sequence through `ranges`. Padding costs nothing this way, and
/// each sequence gets exactly what it would get alone.
@_spi(Benchmarks) public struct PackedBatch: Sendable, Equatable {
    let tokenIDs: [Int32]
    let tokenTypeIDs: [Int32]
    /// Position of each token within its own sequence.
    let positions: [Int32]
    /// The rows of each sequence in the packed matrices.
    let ranges: [Range<Int>]

    package var tokenCount: Int { tokenIDs.count }

    /// Packs `sequences` (each typically `[CLS] … [SEP]`); token types default to 0.
    public init(sequences: [[Int32]], tokenTypes: [[Int32]]? = nil) {
        if let tokenTypes {
            precondition(tokenTypes.map(\.count) == sequences.map(\.count), "token types must match the sequences")
        }
        var ranges: [Range<Int>] = []
        var start = 0
        for sequence in sequences {
            ranges.append(start..<(start + sequence.count))
            start += sequence.count
        }
        self.ranges = ranges
        tokenIDs = sequences.flatMap { $0 }
        tokenTypeIDs = tokenTypes?.flatMap { $0 } ?? [Int32](repeating: 0, count: start)
        positions = sequences.flatMap { sequence in (0..<sequence.count).map { Int32($0) } }
    }
}
