import Testing
@testable import BertNER

/// What `ner bench` reports rests on these: the FLOP count behind GFLOP/s and the timing summary.
@Suite("Benchmark support")
struct BenchmarkSupportTests {
    static let base = BertConfig(vocabSize: 21128, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12,
                                 intermediateSize: 3072, labels: ["O"], usesCRF: false)

    @Test("BERT-base over 128 tokens is 22.35 GFLOP")
    func baseFLOPs() {
        // Per layer: 2·128·(768·2304 + 768·768 + 768·3072 + 3072·768) dense + 4·128²·768 attention.
        #expect(Self.base.encoderFLOPs(tokens: 128) == 22_347_251_712)
        #expect(Self.base.layerDenseShapes.map(\.inputs) == [768, 768, 768, 3072])
        #expect(Self.base.layerDenseShapes.map(\.outputs) == [2304, 768, 3072, 768])
    }

    @Test("timing runs the warm-ups untimed, then every repetition; median ≤ p90")
    func timing() {
        var calls = 0
        let timing = Timing.measure(repetitions: 9, warmUps: 2) { calls += 1 }
        #expect(calls == 11)
        #expect(timing.median <= timing.p90)
        #expect(timing.median >= .zero)
    }

    @Test("timing rethrows the body's error")
    func timingRethrows() {
        struct Failure: Error {}
        #expect(throws: Failure.self) { try Timing.measure(repetitions: 3) { throw Failure() } }
    }
}
