import ArgumentParser
@_spi(Benchmarks) import BertNER
import NERServing
import Foundation

/// `ner bench`: forward-pass latency of a bundle on random token ids (median and p90).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the model's forward pass (embeddings → logits) on random token ids.")

    @Option(name: .long, help: "Model bundle folder.")
    var model: String = ModelLocation.defaultBundle

    @Option(name: .long, help: "Sequences per batch.")
    var batch: Int = 1

    @Option(name: .long, help: "Tokens per sequence (including [CLS] and [SEP]).")
    var sequenceLength: Int = 128

    @Option(name: .long, help: "Timed repetitions (after at least 3 warm-up runs and 0.2 s).")
    var iterations: Int = 30

    @Option(name: .long, help: "Cores the forward pass uses.")
    var threads: Int = 2

    @Option(name: .long, help: Precision.help)
    var precision: Precision?

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Option(name: .long, help: "JSON file with the token ids to run ([[id, …], …]); overrides --batch and --sequence-length, so that peers run the same inputs.")
    var inputs: String?

    @Option(name: .long, help: "Write the logits of the inputs as JSON ([[[float × labels] × tokens] × sequences]) for cross-engine checks.")
    var logitsOut: String?

    func validate() throws {
        guard batch > 0, sequenceLength > 0, iterations > 0 else {
            throw ValidationError("--batch, --sequence-length and --iterations must be positive")
        }
    }

    static func readInputs(_ path: String) throws -> [[Int32]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let rows = try JSONSerialization.jsonObject(with: data) as? [[Int]], !rows.isEmpty else {
            throw ValidationError("\(path): expected a JSON array of arrays of token ids")
        }
        return rows.map { $0.map { Int32($0) } }
    }

    static func randomSequences(batch: Int, length: Int, vocabulary: Int) -> [[Int32]] {
        var generator = SystemRandomNumberGenerator()
        return (0..<batch).map { _ in (0..<length).map { _ in Int32.random(in: 0..<Int32(vocabulary), using: &generator) } }
    }

    func run() throws {
        let precision: Precision
        switch try PrecisionChoice.resolve(self.precision.map(PrecisionChoice.fixed), default: .fixed(.fp32)) {
        case .fixed(let fixed): precision = fixed
        case .auto: throw ValidationError("ner bench times one precision: NER_PRECISION=auto needs --precision fp32, bf16 or int8")
        }
        let classifier = try ModelBundle(directory: model).loadModel(precision: precision)
        let config = classifier.config
        let sequences = try inputs.map(Self.readInputs) ?? Self.randomSequences(batch: batch, length: sequenceLength, vocabulary: config.vocabSize)
        guard let longest = sequences.map(\.count).max(), longest <= config.maxPositionEmbeddings else {
            throw ValidationError("inputs must be non-empty and at most \(config.maxPositionEmbeddings) tokens long")
        }
        let packed = PackedBatch(sequences: sequences)
        let workspace = ForwardWorkspace(threads: threads)
        let first = try classifier.logits(packed, workspace: workspace)
        if let logitsOut {
            let nested = first.map { m in (0..<m.rows).map { r in (0..<m.columns).map { Double(m[r, $0]) } } }
            try JSONSerialization.data(withJSONObject: nested).write(to: URL(fileURLWithPath: logitsOut))
        }
        // The pass above and two more warm up (3 in all, as --iterations says), and at least 0.2 s.
        let timing = try Timing.measure(repetitions: iterations, warmUps: 2, warmUpTime: .milliseconds(200)) {
            _ = try classifier.logits(packed, workspace: workspace)
        }
        let median = timing.median.seconds * 1000, p90 = timing.p90.seconds * 1000
        let flops = sequences.reduce(0.0) { $0 + config.encoderFLOPs(tokens: $1.count) }
        let gflops = flops / (median / 1000) / 1e9
        // The yardstick: plain OpenBLAS on the same linear shapes and thread count, measured now.
        let sgemm = SGEMMReference.gigaflops(config: config, tokens: packed.tokenCount, threads: threads)
        let batch = sequences.count, sequenceLength = longest
        let kernels = BLASKernels.current()
        kernels.warnOnStandardError()
        if json {
            let record: [String: Any] = ["model": model, "batch": batch, "sequence_length": sequenceLength,
                                         "threads": threads, "iterations": iterations, "median_ms": median,
                                         "p90_ms": p90, "encoder_gflops": gflops, "sgemm_gflops": sgemm,
                                         "blas_core": kernels.core, "blas": kernels.summary,
                                         "precision": precision.rawValue, "kernels": classifier.productKernels]
            let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "batch %d × %d tokens, %d threads: median %.2f ms, p90 %.2f ms, encoder %.1f GFLOP/s "
                         + "(%.0f %% of OpenBLAS sgemm's %.1f GFLOP/s on the same linear shapes); ",
                         batch, sequenceLength, threads, median, p90, gflops, 100 * gflops / sgemm, sgemm)
                  + kernels.summary + "; \(precision): \(classifier.productKernels)")
        }
    }
}
