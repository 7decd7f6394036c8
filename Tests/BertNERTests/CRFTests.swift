import Foundation
import Testing
@_spi(Engine) @testable import BertNER

/// The CRF against brute-force enumeration of every tag path on small random problems.
@Suite("CRF")
struct CRFTests {
    /// A deterministic generator so failures reproduce.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomProblem(seed: UInt64, steps: Int, labels: Int) -> (CRF, Matrix) {
        var rng = SplitMix64(state: seed)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -2...2, using: &rng) } }
        let crf = CRF(transitions: values(labels * labels), startTransitions: values(labels), endTransitions: values(labels))
        return (crf, Matrix(rows: steps, columns: labels, storage: values(steps * labels)))
    }

    static func allPaths(steps: Int, labels: Int) -> [[Int]] {
        (0..<steps).reduce([[]]) { paths, _ in paths.flatMap { p in (0..<labels).map { p + [$0] } } }
    }

    @Test("Viterbi equals brute force", arguments: 0..<60)
    func viterbiMatchesBruteForce(seed: Int) {
        let steps = 1 + seed % 6, labels = 2 + seed % 4
        let (crf, emissions) = Self.randomProblem(seed: UInt64(seed), steps: steps, labels: labels)
        let best = Self.allPaths(steps: steps, labels: labels).max { crf.score(emissions, path: $0) < crf.score(emissions, path: $1) }
        #expect(crf.viterbi(emissions) == best)
    }

    @Test("marginals and log Z equal brute force", arguments: 0..<30)
    func marginalsMatchBruteForce(seed: Int) {
        let steps = 1 + seed % 5, labels = 2 + seed % 3
        let (crf, emissions) = Self.randomProblem(seed: UInt64(1000 + seed), steps: steps, labels: labels)
        let paths = Self.allPaths(steps: steps, labels: labels)
        let scores = paths.map { crf.score(emissions, path: $0) }
        let logZ = log(scores.reduce(0) { $0 + exp($1) })
        #expect(abs(crf.logPartition(emissions) - logZ) < 1e-9)
        var expected = [Double](repeating: 0, count: steps * labels)
        for (path, score) in zip(paths, scores) {
            for (t, tag) in path.enumerated() { expected[t * labels + tag] += exp(score - logZ) }
        }
        let marginals = crf.marginals(emissions)
        for i in expected.indices {
            #expect(abs(Double(marginals.storage[i]) - expected[i]) < 1e-6)
        }
    }

    @Test("an empty sequence decodes to an empty path")
    func emptySequence() {
        let (crf, _) = Self.randomProblem(seed: 1, steps: 1, labels: 3)
        let empty = Matrix(zeros: 0, 3)
        #expect(crf.viterbi(empty) == [])
        #expect(crf.marginals(empty).rows == 0)
        #expect([empty, empty].map(crf.viterbi) == [[], []])
    }

    @Test("one decoder for both heads: CRF gives Viterbi + marginals, argmax gives argmax + softmax", arguments: 0..<10)
    func sequenceDecoder(seed: Int) {
        let (crf, emissions) = Self.randomProblem(seed: UInt64(seed), steps: 6, labels: 4)
        let crfDecoded = emissions.withSlice(SequenceDecoder.crf(crf).decode)
        let marginals = crf.marginals(emissions)
        #expect(crfDecoded.path == crf.viterbi(emissions))
        for (t, tag) in crfDecoded.path.enumerated() { #expect(abs(crfDecoded.probabilities[t] - Double(marginals[t, tag])) < 1e-12) }

        let argmax = emissions.withSlice(SequenceDecoder.argmax.decode)
        for t in 0..<emissions.rows {
            let row = emissions.row(t)
            let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
            #expect(argmax.path[t] == best)
            let softmax = exp(Double(row[best])) / row.reduce(0) { $0 + exp(Double($1)) }
            #expect(abs(argmax.probabilities[t] - softmax) < 1e-9)
        }
    }
}
