import ArgumentParser
import BertNER
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

    @Option(name: .long, help: "Timed repetitions (after 3 warm-up runs).")
    var iterations: Int = 30

    @Option(name: .long, help: "OpenBLAS threads.")
    var threads: Int = 2

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard batch > 0, sequenceLength > 0, iterations > 0 else {
            throw ValidationError("--batch, --sequence-length and --iterations must be positive")
        }
    }

    func run() throws {
        BLASThreads.set(threads)
        let classifier = try ModelBundle(directory: model).loadModel()
        let config = classifier.config
        guard sequenceLength <= config.maxPositionEmbeddings else {
            throw ValidationError("--sequence-length \(sequenceLength) exceeds the model's \(config.maxPositionEmbeddings) positions")
        }
        var generator = SystemRandomNumberGenerator()
        let sequences = (0..<batch).map { _ in
            (0..<sequenceLength).map { _ in Int32.random(in: 0..<Int32(config.vocabSize), using: &generator) }
        }
        let packed = PackedBatch(sequences: sequences)
        let clock = ContinuousClock()
        for _ in 0..<3 { _ = try classifier.logits(packed) }
        var samples: [Double] = []
        for _ in 0..<iterations {
            let start = clock.now
            _ = try classifier.logits(packed)
            samples.append((clock.now - start).seconds * 1000)
        }
        samples.sort()
        let median = samples[samples.count / 2]
        let p90 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.9))]
        let h = Double(config.hiddenSize), i = Double(config.intermediateSize), n = Double(sequenceLength)
        let flopsPerLayer = 2 * n * (4 * h * h + 2 * h * i) + 4 * n * n * h
        let gflops = Double(batch) * Double(config.numHiddenLayers) * flopsPerLayer / (median / 1000) / 1e9
        if json {
            let record: [String: Any] = ["model": model, "batch": batch, "sequence_length": sequenceLength,
                                         "threads": threads, "iterations": iterations, "median_ms": median,
                                         "p90_ms": p90, "encoder_gflops": gflops]
            let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "batch %d × %d tokens, %d threads: median %.2f ms, p90 %.2f ms, encoder %.1f GFLOP/s",
                         batch, sequenceLength, threads, median, p90, gflops))
        }
    }
}
