import Foundation

/// A linear-chain CRF over emissions `[steps, labels]` with pytorch-crf / AdaSeq parameters:
/// `crf.transitions[i, j]` scores tag i followed by tag j, `crf.start_transitions[j]` a first tag,
/// `crf.end_transitions[i]` a last tag. Scores are accumulated in `Double` so that marginals are
/// accurate to ~1e-7 even for long sequences.
package struct CRF: Sendable {
    package let labelCount: Int
    package let transitions: [Double]  // row-major [from, to]
    package let startTransitions: [Double]
    package let endTransitions: [Double]

    package init(transitions: [Float], startTransitions: [Float], endTransitions: [Float]) {
        labelCount = startTransitions.count
        precondition(transitions.count == labelCount * labelCount && endTransitions.count == labelCount,
                     "CRF parameter sizes disagree")
        self.transitions = transitions.map(Double.init)
        self.startTransitions = startTransitions.map(Double.init)
        self.endTransitions = endTransitions.map(Double.init)
    }

    package init(weights: SafeTensorsFile, prefix: String = "crf", labelCount: Int) throws {
        self.init(transitions: try weights.floats("\(prefix).transitions", shape: [labelCount, labelCount]),
                  startTransitions: try weights.vector("\(prefix).start_transitions", count: labelCount),
                  endTransitions: try weights.vector("\(prefix).end_transitions", count: labelCount))
    }

    private func transition(_ from: Int, _ to: Int) -> Double { transitions[from * labelCount + to] }

    /// The highest-scoring tag path (empty for no steps). Ties go to the lowest label id, as
    /// `torch.max` resolves them.
    package func viterbi(_ emissions: Matrix) -> [Int] {
        emissions.withSlice { viterbi($0) }
    }

    /// `viterbi` on emissions read in place (a window's rows of the forward pass's logits), over
    /// the paths `constraints` allow (the best constrained path; the constraints must admit one).
    package func viterbi(_ emissions: MatrixSlice, constraints: TagConstraints? = nil) -> [Int] {
        precondition(emissions.columns == labelCount, "emissions have \(emissions.columns) labels, CRF \(labelCount)")
        let steps = emissions.rows, l = labelCount
        guard steps > 0 else { return [] }
        let emission = Emissions(values: emissions, constraints: constraints)
        var score = (0..<l).map { startTransitions[$0] + emission[0, $0] }
        var backpointers = [Int](repeating: 0, count: steps * l)
        var next = score
        for t in 1..<steps {
            for to in 0..<l {
                var best = -Double.infinity, bestFrom = 0
                for from in 0..<l {
                    let candidate = score[from] + transition(from, to)
                    if candidate > best { best = candidate; bestFrom = from }
                }
                next[to] = best + emission[t, to]
                backpointers[t * l + to] = bestFrom
            }
            swap(&score, &next)
        }
        var last = 0
        for tag in 0..<l where score[tag] + endTransitions[tag] > score[last] + endTransitions[last] { last = tag }
        var path = [Int](repeating: 0, count: steps)
        path[steps - 1] = last
        for t in stride(from: steps - 1, to: 0, by: -1) {
            path[t - 1] = backpointers[t * l + path[t]]
        }
        return path
    }

    /// The score of one tag path (log-potential, unnormalised).
    package func score(_ emissions: Matrix, path: [Int]) -> Double {
        guard let first = path.first, let last = path.last else { return 0 }
        var total = startTransitions[first] + endTransitions[last]
        for (t, tag) in path.enumerated() {
            total += Double(emissions[t, tag])
            if t > 0 { total += transition(path[t - 1], tag) }
        }
        return total
    }

    /// log Z: the log-sum-exp over all tag paths.
    package func logPartition(_ emissions: Matrix) -> Double {
        guard emissions.rows > 0 else { return 0 }
        let alphas = emissions.withSlice { forwardLogAlphas(Emissions(values: $0, constraints: nil)) }
        return logSumExp((0..<labelCount).map { alphas[(emissions.rows - 1) * labelCount + $0] + endTransitions[$0] })
    }

    /// p(tag at step t = j | emissions) by forward–backward, `[steps, labels]`; rows sum to 1.
    package func marginals(_ emissions: Matrix) -> Matrix {
        emissions.withSlice { marginals($0) }
    }

    /// `marginals` on emissions read in place; with `constraints`, the marginals of the
    /// distribution restricted to the allowed paths (disallowed tags get 0, rows still sum to 1).
    package func marginals(_ emissions: MatrixSlice, constraints: TagConstraints? = nil) -> Matrix {
        precondition(emissions.columns == labelCount, "emissions have \(emissions.columns) labels, CRF \(labelCount)")
        let steps = emissions.rows, l = labelCount
        guard steps > 0 else { return Matrix(zeros: 0, l) }
        let emission = Emissions(values: emissions, constraints: constraints)
        let alphas = forwardLogAlphas(emission)
        var betas = [Double](repeating: 0, count: steps * l)
        for tag in 0..<l { betas[(steps - 1) * l + tag] = endTransitions[tag] }
        var terms = [Double](repeating: 0, count: l)
        for t in stride(from: steps - 2, through: 0, by: -1) {
            for from in 0..<l {
                for to in 0..<l {
                    terms[to] = transition(from, to) + emission[t + 1, to] + betas[(t + 1) * l + to]
                }
                betas[t * l + from] = logSumExp(terms)
            }
        }
        let logZ = logSumExp((0..<l).map { alphas[(steps - 1) * l + $0] + endTransitions[$0] })
        var result = Matrix(zeros: steps, l)
        for i in 0..<(steps * l) {
            result.storage[i] = Float(exp(alphas[i] + betas[i] - logZ))
        }
        return result
    }

    private func forwardLogAlphas(_ emission: Emissions) -> [Double] {
        let steps = emission.values.rows, l = labelCount
        var alphas = [Double](repeating: 0, count: steps * l)
        for tag in 0..<l { alphas[tag] = startTransitions[tag] + emission[0, tag] }
        var terms = [Double](repeating: 0, count: l)
        for t in stride(from: 1, to: steps, by: 1) {
            for to in 0..<l {
                for from in 0..<l { terms[from] = alphas[(t - 1) * l + from] + transition(from, to) }
                alphas[t * l + to] = logSumExp(terms) + emission[t, to]
            }
        }
        return alphas
    }

    /// Emission scores in Double, −∞ where the constraints disallow the tag: the one change that
    /// turns each recursion into its constrained form.
    private struct Emissions {
        let values: MatrixSlice
        let constraints: TagConstraints?

        @inline(__always)
        subscript(step: Int, label: Int) -> Double {
            if let constraints, !constraints.allows(step, label) { return -.infinity }
            return Double(values[step, label])
        }
    }

    private func logSumExp(_ values: [Double]) -> Double {
        let largest = values.max() ?? -Double.infinity
        guard largest.isFinite else { return largest }
        return largest + log(values.reduce(0) { $0 + exp($1 - largest) })
    }
}
