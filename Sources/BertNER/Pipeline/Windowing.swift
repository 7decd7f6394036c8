/// Splits a sequence of word pieces into overlapping windows the model can take, and decides
/// which window each piece takes its tag from.
///
/// Windows hold at most `capacity` pieces (`max_position_embeddings − 2`, leaving room for
/// [CLS]/[SEP]) and consecutive windows overlap by `stride` pieces (Hugging Face's meaning of
/// stride). Each piece takes its tag from the window where it sits most centrally — the one where
/// it has the most context on its nearer side — so an entity crossing a window border is read
/// from a window that sees it whole.
package struct Windowing: Sendable, Equatable {
    let capacity: Int
    package let stride: Int

    init(capacity: Int, stride: Int = 128) {
        precondition(capacity > 0, "window capacity must be positive")
        self.capacity = capacity
        // An overlap of the whole window would never advance; keep at least one new piece per window.
        self.stride = min(max(0, stride), capacity - 1)
    }

    /// Piece ranges of the windows covering `count` pieces (one empty window for no pieces).
    func windows(count: Int) -> [Range<Int>] {
        guard count > capacity else { return [0..<count] }
        var result: [Range<Int>] = []
        var start = 0
        while true {
            let end = min(start + capacity, count)
            result.append(start..<end)
            if end == count { break }
            start = end - stride
        }
        return result
    }

    /// For each piece, the index of the window whose tag it takes: the window maximising
    /// `min(distance to window start, distance to window end)`; ties go to the earlier window.
    ///
    /// `windows` must be in order (starts and ends non-decreasing), as `windows(count:)` and the
    /// pipeline's per-sentence windows are; then the windows holding a piece are a run of
    /// neighbours found by two forward-moving cursors, so the cost is O(pieces × windows per piece)
    /// — at most ⌈capacity / (capacity − stride)⌉ per piece, independent of the text's length.
    func owners(count: Int, windows: [Range<Int>]) -> [Int] {
        var owners = [Int](repeating: 0, count: count)
        var first = 0  // the first window that may still hold the current piece
        var end = 0    // one past the last window starting at or before the current piece
        for piece in 0..<count {
            while first < windows.count, windows[first].upperBound <= piece { first += 1 }
            while end < windows.count, windows[end].lowerBound <= piece { end += 1 }
            var best = 0, bestCentrality = -1
            for index in first..<max(first, end) where windows[index].contains(piece) {
                let window = windows[index]
                let centrality = min(piece - window.lowerBound, window.upperBound - 1 - piece)
                if centrality > bestCentrality { best = index; bestCentrality = centrality }
            }
            owners[piece] = best
        }
        return owners
    }
}
