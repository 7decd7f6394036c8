import Foundation

/// A linear-chain CRF over emissions `[steps, labels]` with pytorch-crf / AdaSeq parameters:
/// `crf.transitions[i, j]` scores tag i followed by tag j, `crf.start_transitions[j]` a first tag,
/// `crf.end_transitions[i]` a last tag. Scores are accumulated in `Double` so that marginals are
/// accurate to ~1e-7 even for long sequences.
struct CRF: Sendable {
    let labelCount: Int
    let transitions: [Double]  // row-major [from, to]
    let startTransitions: [Double]
    let endTransitions: [Double]
    /// exp of the parameters for forward–backward; below −300 a score counts as −300, which keeps
    /// a forced path through a "forbidden" (−10000) transition representable and changes no
    /// probability a Float can show.
    private let potentials: (transitions: [Double], start: [Double], end: [Double])

    init(transitions: [Float], startTransitions: [Float], endTransitions: [Float]) {
        labelCount = startTransitions.count
        precondition(transitions.count == labelCount * labelCount && endTransitions.count == labelCount,
                     "CRF parameter sizes disagree")
        // −∞ ("never") becomes −1e30: a path the dictionary forces through it stays comparable
        // with the others, and every other path still beats it.
        func score(_ value: Float) -> Double { value == -.infinity ? -1e30 : Double(value) }
        self.transitions = transitions.map(score)
        self.startTransitions = startTransitions.map(score)
        self.endTransitions = endTransitions.map(score)
        func potential(_ score: Float) -> Double { exp(max(Double(score), -300)) }
        potentials = (transitions.map(potential), startTransitions.map(potential), endTransitions.map(potential))
    }

    init(weights: SafeTensorsFile, prefix: String = "crf", labelCount: Int) throws {
        self.init(transitions: try weights.floats("\(prefix).transitions", shape: [labelCount, labelCount]),
                  startTransitions: try weights.vector("\(prefix).start_transitions", count: labelCount),
                  endTransitions: try weights.vector("\(prefix).end_transitions", count: labelCount))
    }

    private func transition(_ from: Int, _ to: Int) -> Double { transitions[from * labelCount + to] }

    /// The highest-scoring tag path (empty for no steps). Ties go to the lowest label id, as
    /// `torch.max` resolves them.
    func viterbi(_ emissions: Matrix) -> [Int] {
        emissions.withSlice { viterbi($0) }
    }

    /// `viterbi` on emissions read in place (a window's rows of the forward pass's logits), over
    /// the paths `constraints` allow (the best constrained path; the constraints must admit one).
    func viterbi(_ emissions: MatrixSlice, constraints: TagConstraints? = nil) -> [Int] {
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
    func score(_ emissions: Matrix, path: [Int]) -> Double {
        guard let first = path.first, let last = path.last else { return 0 }
        var total = startTransitions[first] + endTransitions[last]
        for (t, tag) in path.enumerated() {
            total += Double(emissions[t, tag])
            if t > 0 { total += transition(path[t - 1], tag) }
        }
        return total
    }

    /// log Z: the log-sum-exp over all tag paths.
    func logPartition(_ emissions: Matrix) -> Double {
        guard emissions.rows > 0 else { return 0 }
        return emissions.withSlice { forwardBackward(Emissions(values: $0, constraints: nil)).logZ }
    }

    /// p(tag at step t = j | emissions) by forward–backward, `[steps, labels]`; rows sum to 1.
    func marginals(_ emissions: Matrix) -> Matrix {
        emissions.withSlice { marginals($0) }
    }

    /// `marginals` on emissions read in place; with `constraints`, the marginals of the
    /// distribution restricted to the allowed paths (disallowed tags get 0, rows still sum to 1).
    func marginals(_ emissions: MatrixSlice, constraints: TagConstraints? = nil) -> Matrix {
        precondition(emissions.columns == labelCount, "emissions have \(emissions.columns) labels, CRF \(labelCount)")
        guard emissions.rows > 0 else { return Matrix(zeros: 0, labelCount) }
        return forwardBackward(Emissions(values: emissions, constraints: constraints)).marginals
    }

    /// Forward–backward in probability space with per-step normalisation (Rabiner's scaling):
    /// each step costs L² multiply-adds and L exponentials, where log-space recursions cost L²
    /// exponentials — the difference between the CRF being a tenth of an int8 `ner eval` and
    /// being noise. Emission potentials are exp(e − max allowed e) per step; transition
    /// potentials are exp(max(T, −300)) (see `potentials`), so every allowed step keeps a
    /// non-zero mass and nothing overflows or underflows to 0/0.
    private func forwardBackward(_ emission: Emissions) -> (marginals: Matrix, logZ: Double) {
        let steps = emission.values.rows, l = labelCount
        // psi[t * l + j]: emission potential; shifts[t]: the maximum taken out of step t.
        var psi = [Double](repeating: 0, count: steps * l)
        var logZ = 0.0
        for t in 0..<steps {
            var largest = -Double.infinity
            for j in 0..<l { largest = max(largest, emission[t, j]) }
            for j in 0..<l { psi[t * l + j] = exp(emission[t, j] - largest) }
            logZ += largest
        }
        var alphas = [Double](repeating: 0, count: steps * l)
        var sum = 0.0
        for j in 0..<l { alphas[j] = potentials.start[j] * psi[j]; sum += alphas[j] }
        for j in 0..<l { alphas[j] /= sum }
        logZ += log(sum)
        for t in stride(from: 1, to: steps, by: 1) {
            sum = 0
            for to in 0..<l {
                var total = 0.0
                for from in 0..<l { total += alphas[(t - 1) * l + from] * potentials.transitions[from * l + to] }
                alphas[t * l + to] = total * psi[t * l + to]
                sum += alphas[t * l + to]
            }
            for j in 0..<l { alphas[t * l + j] /= sum }
            logZ += log(sum)
        }
        var betas = [Double](repeating: 0, count: steps * l)
        var last = 0.0
        for j in 0..<l {
            betas[(steps - 1) * l + j] = potentials.end[j]
            last += alphas[(steps - 1) * l + j] * potentials.end[j]
        }
        logZ += log(last)
        for t in stride(from: steps - 2, through: 0, by: -1) {
            sum = 0
            for from in 0..<l {
                var total = 0.0
                for to in 0..<l { total += potentials.transitions[from * l + to] * psi[(t + 1) * l + to] * betas[(t + 1) * l + to] }
                betas[t * l + from] = total
                sum += total
            }
            // Any positive scale per step cancels in the per-row normalisation below.
            for j in 0..<l { betas[t * l + j] /= sum }
        }
        var result = Matrix(zeros: steps, l)
        for t in 0..<steps {
            var row = 0.0
            for j in 0..<l { row += alphas[t * l + j] * betas[t * l + j] }
            for j in 0..<l { result.storage[t * l + j] = Float(alphas[t * l + j] * betas[t * l + j] / row) }
        }
        return (result, logZ)
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
}
