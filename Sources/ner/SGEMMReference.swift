@_spi(Benchmarks) import BertNER
import COpenBLAS
import Foundation

/// The rate plain OpenBLAS `cblas_sgemm`, threaded by OpenBLAS itself, reaches on a model's
/// linear-layer shapes: the yardstick for the engine's whole-model GFLOP/s (`ner bench` prints both,
/// and `make bench-compare` reports their ratio).
enum SGEMMReference {
    /// GFLOP/s of one encoder pass's linear products over `tokens` rows — QKV, attention output,
    /// intermediate and output dense per layer — each shape in the faster of the two weight layouts,
    /// on `threads` OpenBLAS threads; per shape the median of `repetitions` timings.
    static func gigaflops(config: BertConfig, tokens: Int, threads: Int, repetitions: Int = 15) -> Double {
        let previous = BLASThreads.count
        BLASThreads.set(threads)
        defer { BLASThreads.set(previous) }
        var seconds = 0.0, flops = 0.0
        for (inputs, outputs) in config.layerDenseShapes {
            let input = (0..<(tokens * inputs)).map { Float($0 % 13) * 0.01 }
            let weight = (0..<(inputs * outputs)).map { Float($0 % 7) * 0.01 }
            var output = [Float](repeating: 0, count: tokens * outputs)
            let fastest = [true, false].map { transposed in
                Timing.measure(repetitions: repetitions) {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, transposed ? CblasTrans : CblasNoTrans,
                                Int32(tokens), Int32(outputs), Int32(inputs), 1, input, Int32(inputs),
                                weight, Int32(transposed ? inputs : outputs), 0, &output, Int32(outputs))
                }.median.seconds
            }.min() ?? 0
            seconds += fastest * Double(config.numHiddenLayers)
            flops += 2 * Double(tokens * inputs * outputs * config.numHiddenLayers)
        }
        return flops / seconds / 1e9
    }
}
