import Foundation

/// The tag path of one sequence and the probability of each chosen tag.
package struct DecodedSequence: Sendable, Equatable {
    /// Label id per position.
    package var path: [Int]
    /// p(position t has tag path[t]): CRF marginals, or softmax of the logits without a CRF.
    package var probabilities: [Double]
}

/// Turns one sequence's emissions into tags: CRF Viterbi + forward–backward marginals when the
/// model has a CRF, otherwise per-position argmax + softmax. One place for both, so the pipeline,
/// `ner eval` and the server decode alike; emissions are read in place from the forward pass.
package enum SequenceDecoder: Sendable {
    case crf(CRF)
    case argmax

    package init(model: TokenClassifier) {
        self = model.crf.map(SequenceDecoder.crf) ?? .argmax
    }

    /// The best path and the probability of each of its tags.
    package func decode(_ emissions: MatrixSlice) -> DecodedSequence {
        let path = self.path(emissions)
        switch self {
        case .crf(let crf):
            let marginals = crf.marginals(emissions)
            return DecodedSequence(path: path, probabilities: path.enumerated().map { Double(marginals[$0.offset, $0.element]) })
        case .argmax:
            // softmax(scores)[best] = 1 / Σ exp(s − s_best): the row is not written.
            let probabilities = path.enumerated().map { row, best in
                let scores = emissions.row(row)
                var sum = 0.0
                for label in 0..<emissions.columns { sum += exp(Double(scores[label] - scores[best])) }
                return 1 / sum
            }
            return DecodedSequence(path: path, probabilities: probabilities)
        }
    }

    /// The best path alone: Viterbi, or per-position argmax (ties to the lowest label, as torch).
    package func path(_ emissions: MatrixSlice) -> [Int] {
        switch self {
        case .crf(let crf):
            return crf.viterbi(emissions)
        case .argmax:
            return (0..<emissions.rows).map { row in
                let scores = emissions.row(row)
                var best = 0
                for label in 1..<max(1, emissions.columns) where scores[label] > scores[best] { best = label }
                return best
            }
        }
    }
}
