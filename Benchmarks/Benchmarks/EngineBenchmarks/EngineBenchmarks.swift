import Benchmark
@_spi(Benchmarks) import BertNER
import Foundation

// Latency of the whole model and of one encoder layer at the shapes of issue 6, tokenizer
// throughput, and heap allocations per forward pass (the workspace makes that 0 in steady state).
// Models: the shipped default model; the BERT-base-geometry bundle that `make bench-compare`
// generates (skipped with a message until it exists); the committed one-layer base-geometry fixture.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 200
    )
    let threads = ProcessInfo.processInfo.activeProcessorCount

    for shape in Shape.all {
        forwardBenchmark("default model \(shape) · \(threads) threads", model: Models.defaultModel,
                         shape: shape, threads: threads)
    }
    if let base = Models.baseModel {
        for shape in Shape.all {
            for count in Set([1, threads]).sorted() {
                forwardBenchmark("BERT-base \(shape) · \(count) threads", model: base, shape: shape, threads: count)
            }
        }
    } else {
        print("BERT-base benchmarks skipped: \(Models.basePath) is missing; `make bench-compare` generates it")
    }
    forwardBenchmark("one base-geometry layer (fixture) 1×128 · \(threads) threads", model: Models.baseLayer,
                     shape: Shape(batch: 1, length: 128), threads: threads)

    // Why `GEMM.WeightOrientation.preferred` picks what it picks: each dense shape of the default model
    // and BERT-base at 32 and 128 rows, single-threaded, in both weight layouts.
    for (rows, inputs, outputs) in [(32, 256, 768), (32, 256, 1024), (32, 1024, 256), (128, 1024, 256),
                                    (32, 768, 3072), (32, 3072, 768), (128, 3072, 768), (128, 256, 13)] {
        for layout in [GEMM.WeightOrientation.outputMajor, .inputMajor] {
            layoutBenchmark(rows: rows, inputs: inputs, outputs: outputs, layout: layout)
        }
    }

    Benchmark("tokenizer (MSRA sentences)",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)) { benchmark in
        let tokenizer = Models.tokenizer, texts = Models.sentences
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            blackHole(tokenizer.encode(texts[i % texts.count]))
        }
    }
}

struct Shape: CustomStringConvertible {
    let batch: Int
    let length: Int
    static let all = [Shape(batch: 1, length: 32), Shape(batch: 1, length: 128), Shape(batch: 1, length: 512),
                      Shape(batch: 8, length: 128)]
    var description: String { "\(batch)×\(length)" }
}

/// One forward pass per iteration through a reused workspace, measured after a warm-up pass has
/// sized it (so `mallocCountTotal` shows the steady state). Lengths beyond the model's positions
/// are capped at its maximum.
func forwardBenchmark(_ name: String, model: LoadedModel, shape: Shape, threads: Int) {
    Benchmark(name) { benchmark in
        let length = min(shape.length, model.maxPositions)
        var generator = SystemRandomNumberGenerator()
        let sequences = (0..<shape.batch).map { _ in
            (0..<length).map { _ in Int32.random(in: 0..<Int32(model.vocabularySize), using: &generator) }
        }
        let batch = PackedBatch(sequences: sequences)
        let workspace = ForwardWorkspace(threads: threads)
        blackHole(try model.classifier.emissions(batch, workspace: workspace))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try model.classifier.emissions(batch, workspace: workspace))
        }
        benchmark.stopMeasurement()
    }
}

/// One dense layer `[rows, inputs] → [rows, outputs]` through `GEMM.linear` with the weight in `layout`
/// (values are irrelevant to the timing), on the calling thread with OpenBLAS single-threaded.
func layoutBenchmark(rows: Int, inputs: Int, outputs: Int, layout: GEMM.WeightOrientation) {
    Benchmark("sgemm \(rows)×\(inputs)→\(outputs) weight \(layout)") { benchmark in
        BLASThreads.set(1)
        let (weightRows, weightColumns) = layout == .outputMajor ? (outputs, inputs) : (inputs, outputs)
        let weight = Matrix(rows: weightRows, columns: weightColumns,
                            storage: (0..<(inputs * outputs)).map { Float($0 % 7) * 0.01 })
        let bias = [Float](repeating: 0.5, count: outputs)
        var input = (0..<(rows * inputs)).map { Float($0 % 13) * 0.01 }
        var output = [Float](repeating: 0, count: rows * outputs)
        input.withUnsafeMutableBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                let source = MatrixSlice(base: x.baseAddress!, rows: rows, columns: inputs)
                let target = MatrixSlice(base: y.baseAddress!, rows: rows, columns: outputs)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    GEMM.linear(source, weight: weight, layout: layout, bias: bias, into: target, columns: 0..<outputs)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}

/// A loaded model and the two numbers of its `config.json` random inputs must respect (the
/// engine's `BertConfig` is no part of the SPI).
struct LoadedModel {
    let classifier: TokenClassifier
    let maxPositions: Int
    let vocabularySize: Int
}

/// Models and texts, loaded once per process.
enum Models {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let basePath = "\(root)/Benchmarks/.work/base/bundle"

    static let defaultModel = load("\(root)/Weights/default")
    static let baseLayer = load("\(root)/Tests/Fixtures/base-geometry-f16")
    static let baseModel: LoadedModel? = FileManager.default.fileExists(atPath: basePath) ? load(basePath) : nil

    static let tokenizer: BertTokenizer = {
        do { return try BertTokenizer(bundleDirectory: "\(root)/Weights/default") } catch {
            fatalError("tokenizer of Weights/default: \(error)")
        }
    }()

    /// MSRA test sentences when ../shared is there, else a built-in news paragraph. The corpus is
    /// `character TAG` lines with a blank line between sentences; only the characters matter here.
    static let sentences: [String] = {
        let path = "\(root)/../shared/data/msra/test.bioes"
        if let corpus = try? String(contentsOfFile: path, encoding: .utf8) {
            let texts = corpus.split(separator: "\n", omittingEmptySubsequences: false)
                .split(whereSeparator: \.isEmpty)
                .map { lines in lines.map { line in line[..<(line.lastIndex(of: " ") ?? line.endIndex)] }.joined() }
            if !texts.isEmpty { return Array(texts.prefix(2000)) }
        }
        print("tokenizer benchmark: \(path) is missing; timing a built-in paragraph instead")
        return ["新华社北京三月五日电，国务院总理在人民大会堂作政府工作报告，来自全国各地的代表参加了会议。"]
    }()

    static func load(_ path: String) -> LoadedModel {
        do {
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(path)/config.json")))
            guard let config = config as? [String: Any], let positions = config["max_position_embeddings"] as? Int,
                  let vocabulary = config["vocab_size"] as? Int else {
                fatalError("\(path)/config.json lacks max_position_embeddings or vocab_size")
            }
            return LoadedModel(classifier: try ModelBundle(directory: path).loadModel(), maxPositions: positions, vocabularySize: vocabulary)
        } catch {
            fatalError("cannot load \(path): \(error)")
        }
    }
}
