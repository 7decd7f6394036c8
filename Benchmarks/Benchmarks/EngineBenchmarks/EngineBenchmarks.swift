import Benchmark
import BertNER
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
func forwardBenchmark(_ name: String, model: TokenClassifier, shape: Shape, threads: Int) {
    Benchmark(name) { benchmark in
        let length = min(shape.length, model.config.maxPositionEmbeddings)
        var generator = SystemRandomNumberGenerator()
        let sequences = (0..<shape.batch).map { _ in
            (0..<length).map { _ in Int32.random(in: 0..<Int32(model.config.vocabSize), using: &generator) }
        }
        let batch = PackedBatch(sequences: sequences)
        let workspace = ForwardWorkspace(threads: threads)
        blackHole(try model.emissions(batch, workspace: workspace))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try model.emissions(batch, workspace: workspace))
        }
        benchmark.stopMeasurement()
    }
}

/// Models and texts, loaded once per process.
enum Models {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let basePath = "\(root)/Benchmarks/.work/base/bundle"

    static let defaultModel = load("\(root)/Weights/default")
    static let baseLayer = load("\(root)/Tests/Fixtures/base-geometry-f16")
    static let baseModel: TokenClassifier? = FileManager.default.fileExists(atPath: basePath) ? load(basePath) : nil

    static let tokenizer: BertTokenizer = {
        do { return try BertTokenizer(bundleDirectory: "\(root)/Weights/default") } catch {
            fatalError("tokenizer of Weights/default: \(error)")
        }
    }()

    /// MSRA test sentences when ../shared is there, else a built-in news paragraph.
    static let sentences: [String] = {
        let path = "\(root)/../shared/data/msra/test.bioes"
        if let corpus = try? TaggedCorpus.read(path: path), !corpus.isEmpty {
            return corpus.prefix(2000).map(\.text)
        }
        print("tokenizer benchmark: \(path) is missing; timing a built-in paragraph instead")
        return ["新华社北京三月五日电，国务院总理在人民大会堂作政府工作报告，来自全国各地的代表参加了会议。"]
    }()

    static func load(_ path: String) -> TokenClassifier {
        do { return try ModelBundle(directory: path).loadModel() } catch {
            fatalError("cannot load \(path): \(error)")
        }
    }
}
