/// A packed batch's sequences cut into contiguous groups, one per thread, so that each thread runs
/// a whole encoder layer over its own group: no barrier inside the layer, no shared buffers, and
/// every product, softmax and LayerNorm on one core's caches.
///
/// Splitting each step of a layer across the threads (the other way, and the only one for a
/// single sequence) waits at ~7 barriers per layer, which costs most on short batches: 8 sequences
/// of 24–52 tokens ran 5–15 % faster in lanes on two threads, while BERT-base 8×128, whose steps
/// are long, was even. Lanes need groups of near-equal cost; a batch that cannot be cut evenly
/// (one long sequence beside short ones) keeps the split steps.
struct SequenceLanes: Sendable {
    /// One thread's group: its rows of the packed batch, and its sequences counted from the first row.
    struct Lane: Sendable, Equatable {
        let rows: Range<Int>
        let ranges: [Range<Int>]
    }

    let lanes: [Lane]

    /// The largest group may cost this much more than an equal share: about what split steps lose
    /// to their barriers on the service's short batches; a more uneven cut loses more to the
    /// waiting lane than the barriers cost.
    static let slack = 1.1

    /// `threads` groups of `ranges` (contiguous, in order), or nil when there are fewer sequences
    /// than threads or the costliest group would exceed `slack` times an equal share.
    init?(ranges: [Range<Int>], threads: Int, cost: (Int) -> Double) {
        guard threads > 1, ranges.count >= threads else { return nil }
        let cut = Self.cut(ranges.map { cost($0.count) }, threads: threads)
        guard cut.total > 0, cut.largest <= Self.slack * cut.total / Double(threads) else { return nil }
        let cuts = cut.cuts
        lanes = (0..<threads).map { k in
            let group = ranges[cuts[k]..<cuts[k + 1]]
            let first = group.first?.lowerBound ?? 0, last = group.last?.upperBound ?? first
            return Lane(rows: first..<last, ranges: group.map { ($0.lowerBound - first)..<($0.upperBound - first) })
        }
    }

    /// An order of sequences of `lengths` tokens whose contiguous groups cost nearly the same, for
    /// a caller that packs its own batch: the largest sequences are dealt out first, each to the
    /// group with the least so far, and the groups laid end to end (each in its original order).
    /// Packed as they come, eight MSRA sentences often cut outside the slack (and then run in
    /// split steps); dealt out they cut near 1:1. The identity when that is no better.
    static func balancedOrder(lengths: [Int], threads: Int, cost: (Int) -> Double) -> [Int] {
        let identity = Array(lengths.indices)
        guard threads > 1, lengths.count > threads else { return identity }
        let costs = lengths.map(cost)
        var groups = [[Int]](repeating: [], count: threads), loads = [Double](repeating: 0, count: threads)
        for index in identity.sorted(by: { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }) {
            let lightest = loads.indices.min { loads[$0] < loads[$1] } ?? 0
            groups[lightest].append(index)
            loads[lightest] += costs[index]
        }
        let dealt = groups.flatMap { $0.sorted() }
        let better = cut(dealt.map { costs[$0] }, threads: threads).largest < cut(costs, threads: threads).largest
        return better ? dealt : identity
    }

    /// Where `threads` contiguous groups of sequences costing `costs` are cut (`cuts[k]..<cuts[k + 1]`
    /// is group k), with the costliest group's cost and the total.
    static func cut(_ costs: [Double], threads: Int) -> (cuts: [Int], largest: Double, total: Double) {
        var prefix = [0.0]
        for c in costs { prefix.append(prefix[prefix.count - 1] + c) }
        let total = prefix[prefix.count - 1]
        // Cut k goes at the sequence boundary nearest to k/threads of the total, keeping every
        // group non-empty.
        var cuts = [0]
        for k in 1..<threads {
            let target = total * Double(k) / Double(threads)
            let lowest = cuts[cuts.count - 1] + 1, highest = costs.count - (threads - k)
            var best = lowest
            for index in lowest...highest where abs(prefix[index] - target) < abs(prefix[best] - target) {
                best = index
            }
            cuts.append(best)
        }
        cuts.append(costs.count)
        let largest = (0..<threads).map { prefix[cuts[$0 + 1]] - prefix[cuts[$0]] }.max() ?? total
        return (cuts, largest, total)
    }
}
