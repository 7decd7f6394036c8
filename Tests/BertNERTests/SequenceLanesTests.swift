import Testing
@_spi(Benchmarks) @testable import BertNER

/// Cutting a packed batch into one group of sequences per thread.
@Suite("Sequence lanes")
struct SequenceLanesTests {
    static func packed(_ lengths: [Int]) -> [Range<Int>] {
        var start = 0
        return lengths.map { n in defer { start += n }; return start..<(start + n) }
    }

    static func linear(_ tokens: Int) -> Double { Double(tokens) }

    @Test("even batches split into contiguous groups with their sequences counted from the group's first row")
    func evenSplit() throws {
        let lanes = try #require(SequenceLanes(ranges: Self.packed([128, 128, 128, 128, 128, 128, 128, 128]), threads: 2, cost: Self.linear))
        #expect(lanes.lanes == [
            .init(rows: 0..<512, ranges: Self.packed([128, 128, 128, 128])),
            .init(rows: 512..<1024, ranges: Self.packed([128, 128, 128, 128])),
        ])
        let three = try #require(SequenceLanes(ranges: Self.packed([30, 10, 20, 20, 25, 15]), threads: 3, cost: Self.linear))
        #expect(three.lanes.map(\.rows) == [0..<40, 40..<80, 80..<120])
        #expect(three.lanes[2].ranges == [0..<25, 25..<40])
    }

    @Test("uneven costs, too few sequences or one thread keep the split steps")
    func refusals() {
        // 100 beside 30: the larger group is 1.54× an equal share.
        #expect(SequenceLanes(ranges: Self.packed([100, 30]), threads: 2, cost: Self.linear) == nil)
        #expect(SequenceLanes(ranges: Self.packed([64]), threads: 2, cost: Self.linear) == nil)
        #expect(SequenceLanes(ranges: Self.packed([64, 64]), threads: 1, cost: Self.linear) == nil)
        #expect(SequenceLanes(ranges: Self.packed([64, 64]), threads: 3, cost: Self.linear) == nil)
        // Within the slack: 60 against an equal share of 55 is 1.09×.
        #expect(SequenceLanes(ranges: Self.packed([60, 50]), threads: 2, cost: Self.linear) != nil)
    }

    @Test("the cost decides: quadratic attention moves the cut")
    func costMovesCut() throws {
        let lengths = [200, 100, 100, 100, 100]
        let byTokens = try #require(SequenceLanes(ranges: Self.packed(lengths), threads: 2, cost: Self.linear))
        #expect(byTokens.lanes.map(\.rows) == [0..<300, 300..<600])
        let squared = try #require(SequenceLanes(ranges: Self.packed(lengths), threads: 2, cost: { Double($0 * $0) }))
        #expect(squared.lanes.map(\.rows) == [0..<200, 200..<600])
    }

    @Test("a batch that cannot be cut evenly as it comes is dealt into an order that can")
    func balancedOrder() throws {
        // Packed as they come, the best cut leaves 150 against 118 (1.12× an equal share).
        let lengths = [60, 58, 30, 28, 26, 24, 22, 20]
        #expect(SequenceLanes(ranges: Self.packed(lengths), threads: 2, cost: Self.linear) == nil)
        let order = SequenceLanes.balancedOrder(lengths: lengths, threads: 2, cost: Self.linear)
        #expect(order.sorted() == Array(lengths.indices))
        // 60 + 28 + 26 + 20 against 58 + 30 + 24 + 22, each group in its original order.
        #expect(order == [0, 3, 4, 7, 1, 2, 5, 6])
        let lanes = try #require(SequenceLanes(ranges: Self.packed(order.map { lengths[$0] }), threads: 2, cost: Self.linear))
        #expect(lanes.lanes.map(\.rows) == [0..<134, 134..<268])
        // Nothing to gain: one thread, no more sequences than threads, or an even cut already.
        #expect(SequenceLanes.balancedOrder(lengths: lengths, threads: 1, cost: Self.linear) == Array(0..<8))
        #expect(SequenceLanes.balancedOrder(lengths: [90, 10], threads: 2, cost: Self.linear) == [0, 1])
        #expect(SequenceLanes.balancedOrder(lengths: [10, 10, 10, 10], threads: 2, cost: Self.linear) == [0, 1, 2, 3])
        #expect(SequenceLanes.balancedOrder(lengths: [], threads: 2, cost: Self.linear) == [])
    }

    @Test("the pipeline packs a batch in a balanced order and answers each sequence in the callers' order")
    func pipelineOrder() throws {
        var pipeline = try NERPipeline(modelDirectory: PipelineTests.modelDirectory, precision: .int8)
        pipeline.threads = 2
        let lengths = [60, 58, 30, 28, 26, 24, 22, 20]
        #expect(SequenceLanes.balancedOrder(lengths: lengths, threads: 2, cost: pipeline.model.config.encoderFLOPs(tokens:)) != Array(0..<8))
        let sequences = lengths.map { n in [101] + (0..<(n - 2)).map { Int32(($0 * 37 + n * 11) % 5000 + 700) } + [102] }
        let batched = try pipeline.decode(sequences)
        // The encoder's int8 rows do not depend on the batch, but the fp32 classifier's sgemm blocks
        // a batch's rows differently from one row's: measured |Δ p| ≤ 1.2e-7. A sequence answered
        // in another's place has another length or probabilities apart by far more.
        let alone = try sequences.map { try pipeline.decode([$0])[0] }
        #expect(batched.map(\.path) == alone.map(\.path))
        #expect(batched.map(\.path.count) == lengths.map { $0 - 2 })
        let worst = zip(batched, alone).flatMap { zip($0.probabilities, $1.probabilities).map { abs($0 - $1) } }.max() ?? 1
        #expect(worst <= 1e-5, "batched against alone: |Δ p| \(worst)")
    }

    @Test("a batch that runs in lanes computes what one thread computes, in fp32 and int8")
    func lanesMatchOneThread() throws {
        for precision in [Precision.fp32, .int8] {
            let model = try ModelBundle(directory: PipelineTests.modelDirectory).loadModel(precision: precision)
            let lengths = [60, 33, 47, 52]
            let batch = PackedBatch(sequences: lengths.map { n in (0..<n).map { Int32(($0 * 31 + n) % 5000 + 100) } })
            #expect(SequenceLanes(ranges: batch.ranges, threads: 2, cost: model.config.encoderFLOPs(tokens:)) != nil)
            let one = try model.logits(batch, workspace: ForwardWorkspace(threads: 1))
            let two = try model.logits(batch, workspace: ForwardWorkspace(threads: 2))
            let worst = zip(one, two).map { $0.maxAbsoluteDifference(to: $1) }.max() ?? 0
            // Each lane runs the one-thread code on its rows: int8 is bit-identical; fp32 sgemm may
            // block a smaller batch's rows differently.
            #expect(worst <= (precision == .int8 ? 0 : 1e-3), "\(precision): |Δ| \(worst)")
        }
    }
}
