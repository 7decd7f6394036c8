import Foundation
import Testing
@_spi(Benchmarks) @testable import BertNER

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
        let crfDecoded = emissions.withSlice { SequenceDecoder.crf(crf).decode($0) }
        let marginals = crf.marginals(emissions)
        #expect(crfDecoded.path == crf.viterbi(emissions))
        for (t, tag) in crfDecoded.path.enumerated() { #expect(abs(crfDecoded.probabilities[t] - Double(marginals[t, tag])) < 1e-12) }

        let argmax = emissions.withSlice { SequenceDecoder.argmax.decode($0) }
        for t in 0..<emissions.rows {
            let row = emissions.row(t)
            let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
            #expect(argmax.path[t] == best)
            let softmax = exp(Double(row[best])) / row.reduce(0) { $0 + exp(Double($1)) }
            #expect(abs(argmax.probabilities[t] - softmax) < 1e-9)
        }
    }

    // MARK: constrained decoding (dictionaries)

    /// Labels of a scheme over `types`, O first.
    static func labels(_ scheme: TagScheme, types: [String]) -> [TagScheme.Tag] {
        let prefixes: [Character] = scheme == .bio ? ["B", "I"] : scheme == .bioes ? ["B", "I", "E", "S"] : ["B", "M", "E", "S"]
        return [TagScheme.Tag(prefix: "O", type: "")] + types.flatMap { type in prefixes.map { TagScheme.Tag(prefix: $0, type: type) } }
    }

    /// Random non-overlapping forced and blocked spans over `steps` pieces.
    static func randomMatches(steps: Int, types: [String], using rng: inout SplitMix64) -> [DictionaryMatch] {
        var matches: [DictionaryMatch] = []
        var position = Int.random(in: 0..<2, using: &rng)
        while position < steps {
            let length = Int.random(in: 1...min(3, steps - position), using: &rng)
            let decision: EntityDictionary.Decision = Bool.random(using: &rng) ? .block : .entity(type: types.randomElement(using: &rng)!)
            matches.append(DictionaryMatch(pieces: position..<(position + length), decision: decision))
            position += length + Int.random(in: 0..<3, using: &rng)
        }
        return matches
    }

    @Test("constrained Viterbi and marginals equal brute force over the allowed paths; forced spans decode as their entities",
          arguments: [TagScheme.bio, .bioes, .bmes], 0..<12)
    func constrainedDecodingMatchesBruteForce(scheme: TagScheme, seed: Int) throws {
        let types = seed % 2 == 0 ? ["A"] : ["A", "B"]
        let labels = Self.labels(scheme, types: types)
        let steps = 1 + seed % 5
        var rng = SplitMix64(state: UInt64(7_000 + seed))
        let (crf, emissions) = Self.randomProblem(seed: UInt64(500 + seed), steps: steps, labels: labels.count)
        let matches = Self.randomMatches(steps: steps, types: types, using: &rng)
        let spanLabels = SpanLabels(scheme: scheme, labels: labels)
        let constraints = try #require(spanLabels.constraints(window: 0..<steps, matches: matches) ?? TagConstraints(steps: steps, labels: labels.count))
        func allowed(_ path: [Int]) -> Bool { path.enumerated().allSatisfy { constraints.allows($0.offset, $0.element) } }
        let paths = Self.allPaths(steps: steps, labels: labels.count).filter(allowed)
        try #require(!paths.isEmpty, "the constraints admit a path")
        let scores = paths.map { crf.score(emissions, path: $0) }
        let best = try #require(zip(paths, scores).max { $0.1 < $1.1 }?.0)
        let viterbi = emissions.withSlice { crf.viterbi($0, constraints: constraints) }
        #expect(viterbi == best)

        let logZ = log(scores.reduce(0) { $0 + exp($1) })
        var expected = [Double](repeating: 0, count: steps * labels.count)
        for (path, score) in zip(paths, scores) {
            for (t, tag) in path.enumerated() { expected[t * labels.count + tag] += exp(score - logZ) }
        }
        let marginals = emissions.withSlice { crf.marginals($0, constraints: constraints) }
        for i in expected.indices { #expect(abs(Double(marginals.storage[i]) - expected[i]) < 1e-6) }
        for t in 0..<steps {
            let row = (0..<labels.count).reduce(0.0) { $0 + Double(marginals[t, $1]) }
            #expect(abs(row - 1) < 1e-6)
        }

        // Forced entities report the model's own, unconstrained marginals.
        let decoded = emissions.withSlice { SequenceDecoder.crf(crf).decode($0, constraints: constraints) }
        #expect(decoded.path == viterbi)
        if constraints.forcesEntities {
            let free = crf.marginals(emissions)
            let model = try #require(decoded.modelProbabilities)
            for (t, tag) in viterbi.enumerated() { #expect(abs(model[t] - Double(free[t, tag])) < 1e-6) }
        } else {
            #expect(decoded.modelProbabilities == nil)
        }

        // Every forced span is exactly one entity of its type; no entity touches a blocked piece.
        for decoder in [SequenceDecoder.crf(crf), .argmax] {
            let path = emissions.withSlice { decoder.path($0, constraints: constraints) }
            #expect(allowed(path))
            let spans = scheme.spans(path.map { labels[$0] })
            for match in matches {
                switch match.decision {
                case .entity(let type):
                    #expect(spans.contains { $0.start == match.pieces.lowerBound && $0.end == match.pieces.upperBound && $0.type == type },
                            "\(scheme) \(path) lacks \(match)")
                case .block:
                    #expect(!spans.contains { $0.start < match.pieces.upperBound && match.pieces.lowerBound < $0.end })
                }
            }
        }
    }

    @Test("the argmax decoder under constraints: best allowed label, softmax over the allowed labels", arguments: 0..<8)
    func constrainedArgmax(seed: Int) throws {
        let labels = Self.labels(.bioes, types: ["A", "B"])
        var rng = SplitMix64(state: UInt64(90 + seed))
        let steps = 6
        let (_, emissions) = Self.randomProblem(seed: UInt64(seed), steps: steps, labels: labels.count)
        let matches = Self.randomMatches(steps: steps, types: ["A", "B"], using: &rng)
        let constraints = try #require(SpanLabels(scheme: .bioes, labels: labels).constraints(window: 0..<steps, matches: matches))
        let decoded = emissions.withSlice { SequenceDecoder.argmax.decode($0, constraints: constraints) }
        for t in 0..<steps {
            let row = emissions.row(t)
            let allowed = (0..<labels.count).filter { constraints.allows(t, $0) }
            let best = try #require(allowed.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) })
            #expect(decoded.path[t] == best)
            let softmax = exp(Double(row[best])) / allowed.reduce(0) { $0 + exp(Double(row[$1])) }
            #expect(abs(decoded.probabilities[t] - softmax) < 1e-9)
            let unconstrained = exp(Double(row[best])) / row.reduce(0) { $0 + exp(Double($1)) }
            if constraints.forcesEntities { #expect(abs((decoded.modelProbabilities?[t] ?? -1) - unconstrained) < 1e-9) }
        }
    }

    @Test("forward–backward stays finite when constraints force a path through 'forbidden' (−10000) transitions")
    func forbiddenTransitions() throws {
        // Two labels; 0 → 1 and 1 → 0 forbidden, as constrained CRFs (AdaSeq) write them.
        let crf = CRF(transitions: [0, -10_000, -10_000, 0], startTransitions: [0, 0], endTransitions: [0, 0])
        let emissions = Matrix(rows: 3, columns: 2, storage: [5, 0, -800, 0, 5, 0])
        var constraints = TagConstraints(steps: 3, labels: 2)
        constraints.force(0, to: 0)
        constraints.force(2, to: 1)
        let path = emissions.withSlice { crf.viterbi($0, constraints: constraints) }
        #expect(path.first == 0 && path.last == 1)
        let marginals = emissions.withSlice { crf.marginals($0, constraints: constraints) }
        #expect(marginals.storage.allSatisfy { $0.isFinite })
        for t in 0..<3 { #expect(abs(marginals[t, 0] + marginals[t, 1] - 1) < 1e-6) }
        #expect(marginals[0, 0] == 1 && marginals[2, 1] == 1)
        // The same with −∞ ("never") transitions, as a safetensors file may hold them.
        let never = CRF(transitions: [0, -.infinity, -.infinity, 0], startTransitions: [0, 0], endTransitions: [0, 0])
        let forcedPath = emissions.withSlice { never.viterbi($0, constraints: constraints) }
        #expect(forcedPath.first == 0 && forcedPath.last == 1)
        #expect(emissions.withSlice { never.marginals($0, constraints: constraints) }.storage.allSatisfy { $0.isFinite })
        #expect(never.viterbi(emissions) == [1, 1, 1])  // -800 at step 1 outweighs 5 + 5
        // Unconstrained, the −800 emission costs nothing its row can show, and every row sums to 1.
        let free = crf.marginals(emissions)
        #expect(free.storage.allSatisfy { $0.isFinite } && abs(free[1, 1] - 1) < 1e-6)
    }
}
