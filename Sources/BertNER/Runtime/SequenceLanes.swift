/// A packed batch's sequences cut into contiguous groups, one per thread, so that each thread runs
/// a whole encoder layer over its own group: no barrier inside the layer, no shared buffers, and
/// every product, softmax and LayerNorm on one core's caches.
///
/// Splitting each step of a layer across the threads (the other way, and the only one for a
/// single sequence) waits at ~7 barriers per layer, which costs most on short batches: 8 sequences
/// of 24–52 tokens ran 5–15 % faster in lanes on two threads, while BERT-base 8×128, whose steps
/// are long, was even. Lanes need groups of near-equal cost; a batch that cannot be cut evenly
/// (one long sequence beside short ones) keeps the split steps.
package struct SequenceLanes: Sendable {
    /// One thread's group: its rows of the packed batch, and its sequences counted from the first row.
    package struct Lane: Sendable, Equatable {
        package let rows: Range<Int>
        package let ranges: [Range<Int>]
    }

    package let lanes: [Lane]

    /// The largest group may cost this much more than an equal share: about what split steps lose
    /// to their barriers on the service's short batches. Measured (`ner bench`, default model int8,
    /// 2 threads): 8 sequences cut 1.03:1 ran 5–15 % faster in lanes; 4 sequences cut 1.12:1 ran
    /// 9 % slower, and 1.2:1 even.
    package static let slack = 1.1

    /// `threads` groups of `ranges` (contiguous, in order), or nil when there are fewer sequences
    /// than threads or the costliest group would exceed `slack` times an equal share.
    package init?(ranges: [Range<Int>], threads: Int, cost: (Int) -> Double) {
        guard threads > 1, ranges.count >= threads else { return nil }
        let costs = ranges.map { cost($0.count) }
        var prefix = [0.0]
        for c in costs { prefix.append(prefix[prefix.count - 1] + c) }
        let total = prefix[prefix.count - 1]
        guard total > 0 else { return nil }
        // Cut k goes at the sequence boundary nearest to k/threads of the total, keeping every
        // group non-empty.
        var cuts = [0]
        for k in 1..<threads {
            let target = total * Double(k) / Double(threads)
            let lowest = cuts[cuts.count - 1] + 1, highest = ranges.count - (threads - k)
            var best = lowest
            for index in lowest...highest where abs(prefix[index] - target) < abs(prefix[best] - target) {
                best = index
            }
            cuts.append(best)
        }
        cuts.append(ranges.count)
        let largest = (0..<threads).map { prefix[cuts[$0 + 1]] - prefix[cuts[$0]] }.max() ?? total
        guard largest <= Self.slack * total / Double(threads) else { return nil }
        lanes = (0..<threads).map { k in
            let group = ranges[cuts[k]..<cuts[k + 1]]
            let first = group.first?.lowerBound ?? 0, last = group.last?.upperBound ?? first
            return Lane(rows: first..<last, ranges: group.map { ($0.lowerBound - first)..<($0.upperBound - first) })
        }
    }
}
