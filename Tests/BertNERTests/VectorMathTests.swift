import Foundation
import Testing
@_spi(Benchmarks) @testable import BertNER

/// The SIMD kernels against libm in Double: GELU (both forms) and softmax over the range
/// activations take in practice and beyond, including the tails and vector remainders.
@Suite("Vector math")
struct VectorMathTests {
    /// −12 … 12 in steps of 1/1000, an odd count so the last vector is partial.
    static let inputs: [Float] = (0...24_001).map { Float($0) / 1000 - 12 }

    static func applied(_ activation: Activation) -> [Float] {
        var values = inputs
        values.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count) }
        return values
    }

    /// Error relative to max(|expected|, 1): absolute near 0, relative for large outputs.
    static func worstError(_ actual: [Float], _ expected: (Double) -> Double) -> Double {
        zip(inputs, actual).map { x, y in
            let reference = expected(Double(x))
            return abs(Double(y) - reference) / max(abs(reference), 1)
        }.max() ?? .infinity
    }

    @Test("gelu matches x·Φ(x) within 1e-6")
    func gelu() {
        let error = Self.worstError(Self.applied(.gelu)) { x in x * 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) }
        #expect(error < 1e-6, "worst error \(error)")
    }

    @Test("gelu_new matches the tanh form within 1e-6")
    func geluNew() {
        let error = Self.worstError(Self.applied(.geluNew)) { x in
            x * 0.5 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        }
        #expect(error < 1e-6, "worst error \(error)")
    }

    @Test("softmax rows match libm within 1e-6, with a stride and a partial vector")
    func softmax() {
        let columns = 37, stride = 40, rows = 4
        var block = [Float](repeating: .nan, count: rows * stride)
        for row in 0..<rows {
            for column in 0..<columns {
                // Rows 0–2 peak in the partial last vector, row 3 in the first full one.
                block[row * stride + column] = row < 3 ? Float(column * (row + 1)) * 0.7 - 20 : Float(columns - column) * 0.9 - 5
            }
        }
        let original = block
        block.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, rows: rows, columns: columns, stride: stride) }
        for row in 0..<rows {
            let logits = (0..<columns).map { Double(original[row * stride + $0]) }
            let top = logits.max() ?? 0
            let total = logits.reduce(0) { $0 + Foundation.exp($1 - top) }
            for column in 0..<columns {
                let expected = Foundation.exp(logits[column] - top) / total
                #expect(abs(Double(block[row * stride + column]) - expected) < 1e-6, "row \(row) column \(column)")
            }
            #expect(block[row * stride + columns].isNaN, "the stride gap is left alone")
        }
    }

    @Test("both weight layouts and both thread splits give the same linear layer")
    func weightLayouts() {
        // [in, out] when in > out, else Hugging Face's [out, in]; on 2 threads, 4 rows split the
        // output columns (when there are ≥ 128) and 300 rows split the rows.
        for (inputs, outputs, rows) in [(5, 3, 4), (3, 5, 4), (8, 160, 4), (5, 3, 300), (160, 8, 300), (8, 160, 300)] {
            let weight = Matrix(rows: outputs, columns: inputs,
                                storage: (0..<(inputs * outputs)).map { Float($0 % 7) - 3 })
            let bias = (0..<outputs).map { Float($0 % 5) / 2 }
            let linear = Linear(weight: weight, bias: bias)
            #expect(linear.weight == weight, "the Hugging Face layout reads back")
            guard case .fp32(_, let layout) = linear.kernel else { Issue.record("fp32 layer without an fp32 weight"); continue }
            #expect(layout == (inputs > outputs ? .inputMajor : .outputMajor))
            let pool = ComputePool(threads: 2)
            #expect(pool.splitsRows(rows) == (rows >= 256))
            var input = (0..<(rows * inputs)).map { Float($0 % 11) / 4 - 1 }
            var output = [Float](repeating: .nan, count: rows * outputs)
            input.withUnsafeMutableBufferPointer { inputBuffer in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    linear.forward(MatrixSlice(base: inputBuffer.baseAddress!, rows: rows, columns: inputs),
                                   into: MatrixSlice(base: outputBuffer.baseAddress!, rows: rows, columns: outputs),
                                   pool: pool)
                }
            }
            var worst: Float = 0, missed = 0
            for row in 0..<rows {
                for column in 0..<outputs {
                    let expected = bias[column] + (0..<inputs).reduce(Float(0)) { $0 + input[row * inputs + $1] * weight[column, $1] }
                    let error = abs(output[row * outputs + column] - expected)
                    if error.isNaN { missed += 1 } else { worst = max(worst, error) }
                }
            }
            #expect(missed == 0 && worst < 1e-4, "\(inputs)→\(outputs) over \(rows) rows: \(missed) cells unwritten, worst error \(worst)")
        }
    }
}
