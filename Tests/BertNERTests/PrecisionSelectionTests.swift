import Foundation
@_spi(Benchmarks) @testable import BertNER
import Testing

/// `--precision auto` decides by what it measures, so these tests replace the measurement (the
/// selector's `measure` hook) with fixed durations: one precision is made slow, or fast, and the
/// choice must follow — no timing in the suite. The probe runs on the tiny fixture model, which
/// loads in every precision this CPU has.
@Suite("Precision chosen by measurement")
struct PrecisionSelectionTests {
    static let model = EngineFixture.root.appendingPathComponent("tiny").path

    /// A measurement that costs `cost[precision]` milliseconds, without running anything.
    static func fixed(_ cost: [Precision: Int]) -> PrecisionSelector {
        var selector = PrecisionSelector()
        selector.measure = { model, _, _ in .milliseconds(cost[model.precision] ?? 0) }
        return selector
    }

    static func load(_ selector: PrecisionSelector) throws -> NERPipeline {
        try NERPipeline(modelDirectory: model, stride: 16, precision: .auto, threads: 2, selector: selector)
    }

    @Test("whichever precision is made slow is not chosen, and the choice is the fastest eligible one",
          arguments: Precision.allCases)
    func slowIsNotChosen(slow: Precision) throws {
        var costs: [Precision: Int] = [.fp32: 3, .bf16: 2, .int8: 1]
        costs[slow] = 50
        let pipeline = try Self.load(Self.fixed(costs))
        let selection = try #require(pipeline.precisionSelection)
        let eligible = selection.trials.filter { $0.rejection == nil }
        #expect(pipeline.model.precision == selection.chosen && pipeline.threads == 2)
        #expect(eligible.contains { $0.precision == .fp32 }, "fp32 is always eligible")
        if eligible.count > 1 { #expect(selection.chosen != slow) }
        let fastest = try #require(eligible.compactMap(\.milliseconds).min())
        #expect(eligible.first { $0.precision == selection.chosen }?.milliseconds == fastest)
        #expect(selection.rounds >= 3 && selection.summary.hasPrefix("\(selection.chosen), fastest per probe round on 2 threads"))
    }

    @Test("each precision this CPU runs is chosen when it is the fast one")
    func fastIsChosen() throws {
        for fast in Precision.allCases {
            let costs = Dictionary(uniqueKeysWithValues: Precision.allCases.map { ($0, $0 == fast ? 1 : 9) })
            let selection = try #require(try Self.load(Self.fixed(costs)).precisionSelection)
            let eligible = selection.trials.contains { $0.precision == fast && $0.rejection == nil }
            #expect(selection.chosen == (eligible ? fast : .fp32), "\(fast): \(selection.summary)")
        }
    }

    @Test("a reduced precision whose logits leave the bound is refused however fast, and says why")
    func accuracyBound() throws {
        var selector = Self.fixed([.fp32: 9, .bf16: 1, .int8: 1])
        selector.relativeErrorBound = 0  // any difference from fp32 is too much
        let selection = try #require(try Self.load(selector).precisionSelection)
        #expect(selection.chosen == .fp32)
        for trial in selection.trials where trial.precision != .fp32 {
            let reason = try #require(trial.rejection)
            #expect(reason.hasPrefix("logits off fp32 by") || reason.hasPrefix("unavailable: "), "\(reason)")
        }
    }

    @Test("a fixed precision is loaded as asked, with no selection")
    func fixedPrecision() throws {
        let pipeline = try NERPipeline(modelDirectory: Self.model, precision: .fixed(.fp32), threads: 1)
        #expect(pipeline.precisionSelection == nil && pipeline.model.precision == .fp32 && pipeline.threads == 1)
    }

    @Test("auto, fp32, bf16 and int8 parse in any case; anything else does not")
    func parsing() {
        #expect(PrecisionChoice(rawValue: "AUTO") == .auto && PrecisionChoice(rawValue: "Int8") == .fixed(.int8))
        #expect(PrecisionChoice(rawValue: "fp16") == nil && PrecisionChoice.names == ["auto", "fp32", "bf16", "int8"])
    }
}
