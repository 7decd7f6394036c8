import Foundation
import Testing
@_spi(Benchmarks) @testable import BertNER

/// int8 and bf16: each kernel against a scalar model of the same arithmetic, and the whole default
/// model against PyTorch's fp32 logits and entities on the 100 golden sentences.
@Suite("Reduced precision (oneDNN)")
struct PrecisionTests {
    /// A bf16 model loads only where oneDNN has a fast kernel (AVX-512); elsewhere the error says so.
    static func loadOrExplain(_ precision: Precision, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ModelLoadingError {
            guard case .precisionUnavailable(let failed, _) = error, failed == .bf16, precision == .bf16 else { throw error }
            #expect(error.description.hasPrefix("precision bf16 is not available on this machine ("))
            print("bf16 is not available here (\(OneDNN.instructionSet)): \(error)")
        }
    }

    typealias Generator = CRFTests.SplitMix64

    static func random(_ rows: Int, _ columns: Int, _ generator: inout Generator, spread: Float = 1) -> Matrix {
        Matrix(rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in Float.random(in: -spread...spread, using: &generator) })
    }

    /// The int8 layer's arithmetic, one element at a time: symmetric s8 weights per output channel,
    /// asymmetric u8 activations per row (the range in levels − 1 steps, the zero point rounded up,
    /// codes 0…levels), exact integer dot products.
    static func int8Reference(_ x: Matrix, weight: Matrix, bias: [Float], levels: Int) -> Matrix {
        var out = Matrix(zeros: x.rows, weight.rows)
        let weightScales = (0..<weight.rows).map { n in max(weight.row(n).map(abs).max() ?? 0, .leastNonzeroMagnitude) / 127 }
        for m in 0..<x.rows {
            let row = x.row(m)
            let low = min(0, row.min() ?? 0), high = max(0, row.max() ?? 0)
            let scale = high > low ? (high - low) / Float(levels - 1) : 1
            let zeroPoint = high > low ? (-low * (1 / scale)).rounded(.up) : 0
            let codes = row.map { min(max(($0 * (1 / scale) + zeroPoint), 0), Float(levels)).rounded(.toNearestOrEven) }
            for n in 0..<weight.rows {
                var dot = 0
                for k in 0..<x.columns {
                    let q = Int((weight[n, k] / weightScales[n]).rounded(.toNearestOrEven))
                    dot += (Int(codes[k]) - Int(zeroPoint)) * q
                }
                out[m, n] = Float(dot) * scale * weightScales[n] + bias[n]
            }
        }
        return out
    }

    static func bfloat(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: ((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16) << 16)
    }

    static func bf16Reference(_ x: Matrix, weight: Matrix, bias: [Float]) -> Matrix {
        var out = Matrix(zeros: x.rows, weight.rows)
        for m in 0..<x.rows {
            for n in 0..<weight.rows {
                var dot: Double = 0
                for k in 0..<x.columns { dot += Double(bfloat(x[m, k])) * Double(bfloat(weight[n, k])) }
                out[m, n] = Float(dot) + bias[n]
            }
        }
        return out
    }

    static func forward(_ linear: Linear, _ x: Matrix, threads: Int) -> Matrix {
        var x = x
        var out = Matrix(zeros: x.rows, linear.outputs)
        let pool = ComputePool(threads: threads)
        x.storage.withUnsafeMutableBufferPointer { input in
            out.storage.withUnsafeMutableBufferPointer { output in
                linear.forward(MatrixSlice(base: input.baseAddress!, rows: x.rows, columns: x.columns),
                               into: MatrixSlice(base: output.baseAddress!, rows: x.rows, columns: linear.outputs), pool: pool)
            }
        }
        return out
    }

    /// Rows: one (column split), 17 and 70 (row bands of 16 with a ragged end), 300 (calls of 256
    /// rows plus a remainder). Columns: 13 (one padded panel), 130 and 200 (ragged panels).
    static let shapes: [(rows: Int, inputs: Int, outputs: Int)] = [(1, 48, 13), (3, 64, 200), (17, 64, 130), (70, 128, 200), (300, 96, 64)]

    @Test("an int8 layer computes exactly the quantized arithmetic, on 1 and 2 threads", arguments: [1, 2])
    func int8Kernel(threads: Int) throws {
        var generator = Generator(state: 18)
        for shape in Self.shapes {
            let weight = Self.random(shape.outputs, shape.inputs, &generator, spread: 0.2)
            let bias = (0..<shape.outputs).map { _ in Float.random(in: -1...1, using: &generator) }
            // Mostly positive rows with a tail, like GELU outputs, and one row of zeros.
            var x = Self.random(shape.rows, shape.inputs, &generator, spread: 3)
            for i in x.storage.indices where i % 3 == 0 { x.storage[i] = abs(x.storage[i]) * 2 }
            for k in 0..<shape.inputs { x[shape.rows - 1, k] = shape.rows > 1 ? 0 : x[0, k] }
            let linear = try Linear(weight: weight, bias: bias, precision: .int8)
            guard case .packed(let packed) = linear.kernel else { Issue.record("int8 layer is not packed"); return }
            let expected = Self.int8Reference(x, weight: weight, bias: bias, levels: packed.activationLevels)
            let got = Self.forward(linear, x, threads: threads)
            let largest = expected.storage.map(abs).max() ?? 1
            #expect(got.maxAbsoluteDifference(to: expected) <= 2e-5 * largest,
                    "\(shape) on \(threads) threads (\(packed.kernel)): |Δ| \(got.maxAbsoluteDifference(to: expected)) of \(largest)")
        }
    }

    /// The feed-forward expansion hands its GELU rows to the contraction already converted: the
    /// same numbers as writing them as floats and converting them there, and the float buffer
    /// is never written. A column-split product (a few rows on two threads) cannot, and says so.
    @Test("a row-split int8/bf16 product hands its rows to the next one converted, with identical results",
          arguments: [(Precision.int8, 1), (.int8, 2), (.bf16, 1), (.bf16, 2)])
    func handoff(precision: Precision, threads: Int) throws {
        try Self.loadOrExplain(precision) {
            var generator = Generator(state: 24)
            let (h, i) = (64, 160)
            let first = try Linear(weight: Self.random(i, h, &generator, spread: 0.3),
                                   bias: (0..<i).map { _ in Float.random(in: -1...1, using: &generator) }, precision: precision)
            let second = try Linear(weight: Self.random(h, i, &generator, spread: 0.3),
                                    bias: (0..<h).map { _ in Float.random(in: -1...1, using: &generator) }, precision: precision)
            for rows in [1, 9, 70, 300] {
                var x = Self.random(rows, h, &generator, spread: 2)
                var outputs: [Matrix] = []
                for handing in [false, true] {
                    var middle = Matrix(rows: rows, columns: i, storage: .init(repeating: .nan, count: rows * i))
                    var out = Matrix(zeros: rows, h)
                    let pool = ComputePool(threads: threads)
                    let handed = x.storage.withUnsafeMutableBufferPointer { input in
                        middle.storage.withUnsafeMutableBufferPointer { middleBuffer in
                            out.storage.withUnsafeMutableBufferPointer { output in
                                let m = MatrixSlice(base: middleBuffer.baseAddress!, rows: rows, columns: i)
                                let handed = first.forward(MatrixSlice(base: input.baseAddress!, rows: rows, columns: h), into: m,
                                                           pool: pool, activation: .gelu, next: handing ? second : nil)
                                second.forward(m, into: MatrixSlice(base: output.baseAddress!, rows: rows, columns: h),
                                               pool: pool, handedOver: handed)
                                return handed
                            }
                        }
                    }
                    let rowSplit = threads == 1 || rows >= PackedWeight.rowSplitThreshold
                    #expect(handed == (handing && rowSplit), "\(precision), \(rows) rows, \(threads) threads")
                    #expect(middle.storage.allSatisfy(\.isNaN) == handed, "floats written although handed over, or not written")
                    outputs.append(out)
                }
                let identical = outputs[0].storage == outputs[1].storage
                #expect(identical, "\(precision), \(rows) rows, \(threads) threads: |Δ| \(outputs[0].maxAbsoluteDifference(to: outputs[1]))")
            }
        }
    }

    /// The conversion has no clamp: every value of a row must land on a code within half a step of
    /// it (a code past `levels` would wrap around to a small one), and 0 on the zero point itself.
    @Test("row quantization: each value within half a step of its code, 0 exact, whatever the row's range", arguments: [255, 127])
    func rowQuantization(levels: Int) {
        var generator = Generator(state: UInt64(levels))
        let count = 37  // two vectors and a tail
        var codes = [UInt8](repeating: 0, count: count)
        for trial in 0..<20_000 {
            let low = trial % 5 == 0 ? 0 : -Float.random(in: 0...6, using: &generator)
            let high = trial % 7 == 0 ? 0 : Float.random(in: 0...6, using: &generator)
            var row = (0..<count).map { _ in Float.random(in: low...high, using: &generator) }
            // The extremes and 0 in turn at every position, the tail's included.
            row[trial % count] = low
            row[(trial + 17) % count] = high
            row[(trial + 30) % count] = 0
            let parameters = codes.withUnsafeMutableBufferPointer { out in
                RowQuantization.quantize(row, count: count, levels: levels, into: out.baseAddress!)
            }
            for (x, code) in zip(row, codes) {
                let decoded = parameters.scale * Float(Int32(code) - parameters.zeroPoint)
                guard abs(decoded - x) <= parameters.scale * 0.5001, x != 0 || decoded == 0 else {
                    Issue.record("[\(low), \(high)]: \(x) → code \(code) (zero point \(parameters.zeroPoint), scale \(parameters.scale)) → \(decoded)")
                    return
                }
            }
        }
    }

    @Test("a bf16 layer computes bf16 products with fp32 accumulation, on 1 and 2 threads", arguments: [1, 2])
    func bf16Kernel(threads: Int) throws {
        try Self.loadOrExplain(.bf16) {
            var generator = Generator(state: 16)
            for shape in Self.shapes {
                let weight = Self.random(shape.outputs, shape.inputs, &generator, spread: 0.2)
                let bias = (0..<shape.outputs).map { _ in Float.random(in: -1...1, using: &generator) }
                let x = Self.random(shape.rows, shape.inputs, &generator, spread: 3)
                let linear = try Linear(weight: weight, bias: bias, precision: .bf16)
                let expected = Self.bf16Reference(x, weight: weight, bias: bias)
                let got = Self.forward(linear, x, threads: threads)
                let largest = expected.storage.map(abs).max() ?? 1
                #expect(got.maxAbsoluteDifference(to: expected) <= 1e-5 * largest, "\(shape) on \(threads) threads")
            }
        }
    }

    /// Attention of the int8 and bf16 engines: sequences of `HeadProducts.minimumLength` tokens or
    /// more multiply Q·Kᵀ and P·V in bf16 (Q scaled by 1/√d, then Q, K, V and the probabilities
    /// rounded to bf16, products accumulated in fp32); shorter ones stay fp32. Checked against that
    /// arithmetic in Double on the layer's own Q|K|V, for packed sequences of several lengths, on 1
    /// and 2 threads. Measured: |Δ| ≤ 1.2e-4 of the largest context value with bf16 (where a
    /// probability can round to the neighbouring bf16 value), ≤ 4.6e-7 in fp32; a wrong head
    /// offset, stride or scale is off by tens of percent.
    @Test("int8/bf16 attention: bf16 products from 48 tokens, fp32 below, against the same arithmetic in Double", arguments: [1, 2])
    func bf16Attention(threads: Int) throws {
        var generator = Generator(state: 64)
        let heads = 2, headSize = 64, h = heads * headSize
        let lengths = [20, 47, 48, 130, 1]
        let config = BertConfig(vocabSize: 8, hiddenSize: h, numHiddenLayers: 1, numAttentionHeads: heads,
                                intermediateSize: 4 * h, labels: ["O"], usesCRF: false)
        // An fp32 projection, so that only attention's own products differ from fp32.
        let projection = Linear(weight: Self.random(3 * h, h, &generator, spread: 0.15),
                                bias: (0..<(3 * h)).map { _ in Float.random(in: -0.5...0.5, using: &generator) })
        let attention = BertSelfAttention(queryKeyValue: projection, heads: heads, precision: .int8)
        guard attention.headProducts != nil else {
            #expect(attention.kernelName == "OpenBLAS sgemm")
            print("no bf16 attention kernel on \(OneDNN.instructionSet): int8 attention stays fp32 OpenBLAS")
            return
        }
        var ranges: [Range<Int>] = [], start = 0
        for n in lengths {
            ranges.append(start..<(start + n))
            start += n
        }
        let workspace = ForwardWorkspace(threads: threads)
        let buffers = workspace.buffers(config: config, tokens: start, longest: lengths.max() ?? 1)
        for i in 0..<(start * h) { buffers.hidden.base[i] = Float.random(in: -2...2, using: &generator) }
        attention.forward(buffers.hidden, ranges: ranges, buffers: buffers, pool: workspace.pool)

        let scale = 1 / Float(headSize).squareRoot()
        for range in ranges {
            let n = range.count, halves = n >= HeadProducts.minimumLength
            let round: (Float) -> Float = { halves ? Self.bfloat($0) : $0 }
            var worst: Double = 0, largest: Double = 0
            for head in 0..<heads {
                func operand(_ part: Int, _ row: Int, _ j: Int) -> Double {
                    let x = buffers.queryKeyValue[range.lowerBound + row, part * h + head * headSize + j]
                    return Double(round(part == 0 && halves ? x * scale : x))
                }
                for i in 0..<n {
                    var scores = (0..<n).map { j in (0..<headSize).reduce(0.0) { $0 + operand(0, i, $1) * operand(1, j, $1) } }
                    if !halves { scores = scores.map { $0 * Double(scale) } }
                    let top = scores.max() ?? 0
                    let exponentials = scores.map { Foundation.exp($0 - top) }
                    let sum = exponentials.reduce(0, +)
                    let probabilities = exponentials.map { Double(round(Float($0 / sum))) }
                    for j in 0..<headSize {
                        let expected = (0..<n).reduce(0.0) { $0 + probabilities[$1] * operand(2, $1, j) }
                        let got = Double(buffers.context[range.lowerBound + i, head * headSize + j])
                        worst = max(worst, abs(got - expected))
                        largest = max(largest, abs(expected))
                    }
                }
            }
            print("attention length \(n) (\(halves ? "bf16" : "fp32")), \(threads) threads: |Δ| \(worst) of \(largest)")
            let bound = (halves ? 1e-3 : 2e-6) * max(largest, 1e-3)
            #expect(worst <= bound, "length \(n) (\(halves ? "bf16" : "fp32")) on \(threads) threads: |Δ| \(worst) of \(largest)")
        }
    }

    @Test("an fp32 layer is untouched by the precision parameter")
    func fp32IsOpenBLAS() throws {
        let linear = try Linear(weight: Matrix(zeros: 4, 3), bias: [0, 0, 0, 0], precision: .fp32)
        #expect(linear.precision == .fp32 && linear.kernelName == "OpenBLAS sgemm" && linear.weight != nil)
    }

    /// Bounds against PyTorch's fp32 logits (label scores of magnitude ≈ 10), about twice what was
    /// measured on this model: int8 max |Δ| 0.23, mean 0.018 (8-bit activations; 7-bit ones, on CPUs
    /// without VNNI, get twice the bound), bf16 max 0.033, mean 0.0021; entities identical on 100
    /// of 100 sentences for both. A wrong scale, zero point or panel offset gives errors of several
    /// units and changes entities on most sentences.
    @Test("the default model in int8 and bf16: logits near PyTorch's fp32, entities agree on the golden sentences",
          arguments: [(Precision.int8, Float(0.5), Float(0.04), 98), (Precision.bf16, Float(0.1), Float(0.006), 99)])
    func defaultModel(precision: Precision, maximum bound: Float, mean meanBound: Float, agreeing: Int) throws {
        try Self.loadOrExplain(precision) {
            let (fp32, reference, logits) = try PipelineTests.load()
            let pipeline = try NERPipeline(model: try ModelBundle(directory: PipelineTests.modelDirectory).loadModel(precision: precision),
                                           tokenizer: fp32.tokenizer)
            #expect(pipeline.model.precision == precision)
            let coarse = pipeline.model.productKernels.contains("0…127")
            let maximum = coarse ? 2 * bound : bound, mean = coarse ? 2 * meanBound : meanBound
            let labels = pipeline.model.config.labels.count
            var worst: Float = 0, total: Double = 0, count = 0
            do {
                let ours = try pipeline.model.logits(PackedBatch(sequences: reference.cases.map(\.ids)), workspace: ForwardWorkspace(threads: 2))
                for (k, mine) in ours.enumerated() {
                    let expected = Matrix(rows: mine.rows, columns: labels, storage: try logits.floats("logits.\(k)"))
                    worst = max(worst, mine.maxAbsoluteDifference(to: expected))
                    for i in mine.storage.indices { total += Double(abs(mine.storage[i] - expected.storage[i])) }
                    count += mine.storage.count
                }
            }
            let average = Float(total / Double(count))
            let entities = try pipeline.recognize(batch: reference.cases.map(\.text))
            let same = zip(reference.cases, entities).filter { item, found in
                found.map { PipelineTests.Reference.Case.Span(start: $0.start, end: $0.end, type: $0.type, word: $0.word) } == item.entities
            }.count
            print("default model \(precision) (\(pipeline.model.productKernels)): logits max |Δ| \(worst), mean |Δ| \(average) vs PyTorch fp32; entities identical on \(same)/100 sentences")
            #expect(worst <= maximum && average <= mean, "max |Δ| \(worst), mean |Δ| \(average)")
            #expect(same >= agreeing, "entities identical on \(same) of 100 sentences")
        }
    }

    @Test("int8 results do not depend on the thread count (row and column splits compute the same integers)")
    func threadsAgree() throws {
        let model = try ModelBundle(directory: PipelineTests.modelDirectory).loadModel(precision: .int8)
        for lengths in [[7], [40, 33], [120, 90, 100], [250, 240]] {
            let batch = PackedBatch(sequences: lengths.map { n in (0..<n).map { Int32(($0 * 37 + n) % 5000 + 100) } })
            let one = try model.logits(batch, workspace: ForwardWorkspace(threads: 1))
            let two = try model.logits(batch, workspace: ForwardWorkspace(threads: 2))
            let worst = zip(one, two).map { $0.maxAbsoluteDifference(to: $1) }.max() ?? 0
            #expect(worst <= 1e-3, "lengths \(lengths): |Δ| \(worst)")
        }
    }

    @Test("ner info/tag --precision and NER_PRECISION choose the kernels; a misspelt value is an error")
    func commandLine() throws {
        let (status, output, _) = try CommandLineTests.run(["info", "--model", CommandLineTests.model, "--precision", "int8"])
        #expect(status == 0 && output.contains("precision:   int8 — oneDNN"), "\(output)")
        let (fp32Status, fp32, _) = try CommandLineTests.run(["info", "--model", CommandLineTests.model], environment: ["NER_PRECISION": ""])
        #expect(fp32Status == 0 && fp32.contains("precision:   fp32 — OpenBLAS sgemm"))
        let (envStatus, env, _) = try CommandLineTests.run(["info", "--model", CommandLineTests.model], environment: ["NER_PRECISION": "int8"])
        #expect(envStatus == 0 && env.contains("precision:   int8"))
        let (badStatus, _, error) = try CommandLineTests.run(["tag", "--model", CommandLineTests.model, "北京"], environment: ["NER_PRECISION": "fp16"])
        #expect(badStatus != 0 && error.contains("NER_PRECISION must be one of auto, fp32, bf16, int8, not 'fp16'"), "\(error)")
        let (flagStatus, _, flagError) = try CommandLineTests.run(["tag", "--precision", "int4", "北京"])
        #expect(flagStatus != 0 && flagError.contains("int4"))
        let (tagStatus, tagged, _) = try CommandLineTests.run(["tag", "--model", CommandLineTests.model, "--precision", "int8", "国务院总理李克强在北京会见外宾。"])
        #expect(tagStatus == 0 && tagged.contains(#""word":"李克强""#) && tagged.contains(#""word":"北京""#))
    }

    /// `ONEDNN_MAX_CPU_ISA` makes this machine look like an older one: what an AVX2-only CPU gets.
    @Test("on an AVX2-only CPU int8 runs oneDNN's gemm kernels with 7-bit activations, and bf16 is a clear error")
    func olderCPU() throws {
        let (status, output, _) = try CommandLineTests.run(["info", "--model", CommandLineTests.model, "--precision", "int8"],
                                                           environment: ["ONEDNN_MAX_CPU_ISA": "AVX2"])
        #expect(status == 0 && output.contains("gemm:jit (u8 activations 0…127)"), "\(output)")
        let (bf16Status, _, error) = try CommandLineTests.run(["info", "--model", CommandLineTests.model, "--precision", "bf16"],
                                                              environment: ["ONEDNN_MAX_CPU_ISA": "AVX2"])
        #expect(bf16Status != 0 && error.contains("precision bf16 is not available on this machine (") && error.contains("use fp32"), "\(error)")
    }

    @Test("fp32 is the library default")
    func libraryDefault() throws {
        #expect(try ModelBundle(directory: EngineFixture.root.appendingPathComponent("tiny").path).loadModel().precision == .fp32)
    }
}
