/// Entity-level precision, recall and F1 per type and micro-averaged, computed as seqeval's
/// strict mode does: an entity counts as correct only if its type, start and end all match.
package struct EntityMetrics: Sendable, Equatable {
    package struct Counts: Sendable, Equatable {
        package var correct = 0
        package var predicted = 0
        package var gold = 0

        package init() {}

        /// seqeval reports 0 (with a warning) when a denominator is 0.
        package var precision: Double { predicted == 0 ? 0 : Double(correct) / Double(predicted) }
        package var recall: Double { gold == 0 ? 0 : Double(correct) / Double(gold) }
        package var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    }

    package typealias Span = (start: Int, end: Int, type: String)

    package private(set) var byType: [String: Counts] = [:]
    package private(set) var micro = Counts()
    private(set) var sentences = 0

    package init() {}

    /// Adds one sentence's gold and predicted entity spans.
    package mutating func add(gold: [Span], predicted: [Span]) {
        sentences += 1
        let goldSet = Set(gold.map { Key(start: $0.start, end: $0.end, type: $0.type) })
        let predictedSet = Set(predicted.map { Key(start: $0.start, end: $0.end, type: $0.type) })
        for key in goldSet {
            byType[key.type, default: Counts()].gold += 1
            micro.gold += 1
        }
        for key in predictedSet {
            byType[key.type, default: Counts()].predicted += 1
            micro.predicted += 1
            if goldSet.contains(key) {
                byType[key.type, default: Counts()].correct += 1
                micro.correct += 1
            }
        }
    }

    private struct Key: Hashable {
        let start: Int
        let end: Int
        let type: String
    }
}
