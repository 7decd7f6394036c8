import Foundation

/// The tag path of one sequence and the probability of each chosen tag.
package struct DecodedSequence: Sendable, Equatable {
    /// Label id per position.
    var path: [Int]
    /// p(position t has tag path[t]): CRF marginals, or softmax of the logits without a CRF — under
    /// the sequence's dictionary constraints, if any.
    var probabilities: [Double]
    /// The same probabilities without the constraints, when a dictionary forced entities here: what
    /// the model alone thinks of a forced entity.
    var modelProbabilities: [Double]?
}

/// Turns one sequence's emissions into tags: CRF Viterbi + forward–backward marginals when the
/// model has a CRF, otherwise per-position argmax + softmax. One place for both, so the pipeline,
/// `ner eval` and the server decode alike; emissions are read in place from the forward pass.
/// Dictionary constraints restrict both decoders the same way: to the allowed tags per position.
enum SequenceDecoder: Sendable {
    case crf(CRF)
    case argmax

    init(model: TokenClassifier) {
        self = model.crf.map(SequenceDecoder.crf) ?? .argmax
    }

    /// The best path (under `constraints`) and the probability of each of its tags.
    func decode(_ emissions: MatrixSlice, constraints: TagConstraints? = nil) -> DecodedSequence {
        let path = self.path(emissions, constraints: constraints)
        let probabilities = self.probabilities(of: path, emissions, constraints: constraints)
        let model = constraints?.forcesEntities == true ? self.probabilities(of: path, emissions, constraints: nil) : nil
        return DecodedSequence(path: path, probabilities: probabilities, modelProbabilities: model)
    }

    /// p(tag path[t] at t) for each t, under `constraints`.
    private func probabilities(of path: [Int], _ emissions: MatrixSlice, constraints: TagConstraints?) -> [Double] {
        switch self {
        case .crf(let crf):
            let marginals = crf.marginals(emissions, constraints: constraints)
            return path.enumerated().map { Double(marginals[$0.offset, $0.element]) }
        case .argmax:
            // softmax over the allowed labels: p(best) = 1 / Σ exp(s − s_best); the row is not written.
            return path.enumerated().map { row, best in
                let scores = emissions.row(row)
                var sum = 0.0
                for label in 0..<emissions.columns where constraints?.allows(row, label) ?? true {
                    sum += exp(Double(scores[label] - scores[best]))
                }
                return 1 / sum
            }
        }
    }

    /// The best path alone: Viterbi, or per-position argmax (ties to the lowest label, as torch),
    /// over the tags `constraints` allow.
    func path(_ emissions: MatrixSlice, constraints: TagConstraints? = nil) -> [Int] {
        switch self {
        case .crf(let crf):
            return crf.viterbi(emissions, constraints: constraints)
        case .argmax:
            return (0..<emissions.rows).map { row in
                let scores = emissions.row(row)
                var best = -1
                for label in 0..<emissions.columns where constraints?.allows(row, label) ?? true {
                    if best < 0 || scores[label] > scores[best] { best = label }
                }
                return max(best, 0)
            }
        }
    }
}
