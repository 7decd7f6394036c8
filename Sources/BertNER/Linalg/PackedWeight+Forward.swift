extension PackedWeight {
    /// `output = activation(input · Wᵀ + b)` in this weight's precision: the input rows are
    /// converted (u8 per token, or bf16), oneDNN multiplies them into s32/f32, and one fused pass
    /// per row undoes the scales and zero points, adds the bias and applies the activation.
    ///
    /// Long inputs split their rows across the pool's threads, each thread converting, multiplying
    /// and finishing its own band; short ones split the output columns (64-column panels), so both
    /// cores share the weight traffic that dominates a product of a few rows.
    ///
    /// With `next`, the product whose only input this output is, a row-split product converts each
    /// finished row for `next` into the pool's scratch instead of writing it to `output`, and
    /// returns true; `next` then runs with `handedOver: true`. (A column-split one cannot: no part
    /// finishes whole rows. It writes `output` and returns false.)
    @discardableResult
    func forward(_ input: MatrixSlice, bias: [Float], activation: Activation?,
                         into output: MatrixSlice, pool: ComputePool,
                         handedOver: Bool = false, next: PackedWeight? = nil) -> Bool {
        precondition(input.columns == inputs && output.columns == outputs && output.rows == input.rows,
                     "packed linear: \(input.rows)×\(input.columns) → \(output.rows)×\(output.columns) ≠ [\(inputs) → \(outputs)]")
        guard input.rows > 0 else { return false }
        let rows = input.rows
        let columnParts = min(pool.threads, outputs / DenseProduct.columnMultiple)
        let byRows = pool.threads == 1 || rows >= Self.rowSplitThreshold || columnParts < 2
        let parts = byRows ? pool.rowParts(rows, minimumRows: DenseProduct.rowMultiple) : columnParts
        if handedOver { pool.scratch.takeHandoff() }
        pool.scratch.reserve(rows: rows, inputBytesPerRow: inputs * format.elementBytes,
                             productBytesPerRow: outputs * 4, parts: parts)
        let handoff = byRows ? next.flatMap { $0.format == format && $0.inputs == outputs ? $0 : nil } : nil
        if let handoff {
            pool.scratch.reserveHandoff(rows: rows, bytesPerRow: outputs * handoff.format.elementBytes,
                                        width: outputs, parts: parts)
        }
        bias.withUnsafeBufferPointer { bias in
            scales.withUnsafeBufferPointer { scales in
                columnSums.withUnsafeBufferPointer { sums in
                    let work = Blocks(weight: self, input: input, output: output, activation: activation, byRows: byRows,
                                      converted: handedOver, next: handoff,
                                      scratch: pool.scratch, bias: bias, scales: scales, sums: sums)
                    if !byRows && !handedOver {
                        pool.run(parts: pool.rowParts(rows), Conversion(work: work))
                    }
                    pool.run(parts: parts, work)
                }
            }
        }
        return handoff != nil
    }

    /// From this many rows on, splitting rows beats splitting columns (below it the weights, read
    /// by every row band, cost more than converting all rows on each thread).
    static let rowSplitThreshold = 64

    /// One band of rows or columns of the product.
    fileprivate struct Blocks: ParallelWork, @unchecked Sendable {
        let weight: PackedWeight
        let input: MatrixSlice
        let output: MatrixSlice
        let activation: Activation?
        let byRows: Bool
        /// The input rows are already converted (handed over by the previous product).
        let converted: Bool
        /// The product to hand the finished rows over to, converted, instead of writing `output`.
        let next: PackedWeight?
        let scratch: ProductScratch
        let bias: UnsafeBufferPointer<Float>
        let scales: UnsafeBufferPointer<Float>
        let sums: UnsafeBufferPointer<Int32>

        func run(part: Int, of parts: Int) {
            if byRows {
                let rows = ComputePool.block(part, of: parts, in: input.rows, multiple: DenseProduct.rowMultiple)
                guard !rows.isEmpty else { return }
                if !converted { convert(rows) }
                multiplyAndFinish(rows, columns: 0..<weight.outputs, stream: part)
            } else {
                let columns = ComputePool.block(part, of: parts, in: weight.outputs, multiple: DenseProduct.columnMultiple)
                guard !columns.isEmpty else { return }
                multiplyAndFinish(0..<input.rows, columns: columns, stream: part)
            }
        }

        /// Products of at most `DenseProduct.maximumRows` rows, each finished while its integers
        /// are still in L2 or close by (128 rows × 2048 columns × 4 bytes = 1 MB; finishing a whole band
        /// after its product read them back from L3, a fifth of the layer's time).
        func multiplyAndFinish(_ rows: Range<Int>, columns: Range<Int>, stream part: Int) {
            for start in stride(from: rows.lowerBound, to: rows.upperBound, by: DenseProduct.maximumRows) {
                let chunk = start..<min(rows.upperBound, start + DenseProduct.maximumRows)
                multiply(chunk, columns: columns, stream: part)
                finish(chunk, columns: columns, part: part)
            }
        }

        /// The input rows as u8 codes (with their parameters) or bf16.
        func convert(_ rows: Range<Int>) {
            guard let codes = scratch.input else { return }
            for r in rows { weight.convertInput(input.row(r), row: r, into: codes, parameters: scratch.parameters) }
        }

        /// The raw product of `rows` × `columns`, one oneDNN call (at most `DenseProduct.maximumRows` rows).
        func multiply(_ rows: Range<Int>, columns: Range<Int>, stream part: Int) {
            guard let source = scratch.input, let destination = scratch.product else { return }
            let width = weight.inputs
            let shape = DenseProduct.Shape(format: weight.format, layout: weight.layout, rows: DenseProduct.paddedRows(rows.count),
                                           inner: width, columns: columns.count)
            let product: DenseProduct
            do { product = try DenseProduct.cached(shape) } catch {
                preconditionFailure("oneDNN could not make a \(shape) product after making the weights' own: \(error)")
            }
            DenseProduct.noteKernel(product.kernel, expected: weight.kernel)
            product.execute(scratch.arguments(part: part, for: product), source: source + rows.lowerBound * width * weight.format.elementBytes,
                         weights: weight.memory + weight.offset(ofColumn: columns.lowerBound),
                         destination: destination + block(columns).offset(row: rows.lowerBound) * 4,
                         stream: scratch.stream(part: part))
        }

        /// Where a band of columns keeps its raw product: a dense `[padded rows, columns]` block of
        /// its own (a product's output is dense), after the blocks of the columns before it.
        struct ProductBlock {
            let start: Int
            let columns: Int
            func offset(row: Int) -> Int { start + row * columns }
        }

        func block(_ columns: Range<Int>) -> ProductBlock {
            ProductBlock(start: DenseProduct.paddedRows(input.rows) * columns.lowerBound, columns: columns.count)
        }

        /// `output = activation(dequantized product + bias)` for the block, or with `next` each
        /// such row converted for it into the scratch's handoff.
        func finish(_ rows: Range<Int>, columns: Range<Int>, part: Int) {
            guard let raw = scratch.product else { return }
            let c0 = columns.lowerBound, n = columns.count, products = block(columns)
            let b = bias.baseAddress! + c0
            let finished = next == nil ? nil : scratch.finishedRows.map { $0 + part * n }
            switch weight.format {
            case .int8:
                guard let parameters = scratch.parameters else { return }
                let accumulators = raw.assumingMemoryBound(to: Int32.self)
                let s = scales.baseAddress! + c0, sum = sums.baseAddress! + c0
                for r in rows {
                    let acc = accumulators + products.offset(row: r), out = finished ?? (output.row(r) + c0)
                    let scale = parameters[r].scale, zeroPoint = parameters[r].zeroPoint
                    // A plain loop, which LLVM vectorizes (an explicit SIMD16<Int32> → SIMD16<Float>
                    // conversion stays a generic call per vector).
                    for j in 0..<n { out[j] = Float(acc[j] &- zeroPoint &* sum[j]) * (scale * s[j]) + b[j] }
                    activation?.apply(out, count: n)
                    if let next { hand(out, row: r, to: next) }
                }
            case .bf16:
                let values = raw.assumingMemoryBound(to: Float.self)
                for r in rows {
                    let product = values + products.offset(row: r), out = finished ?? (output.row(r) + c0)
                    for j in 0..<n { out[j] = product[j] + b[j] }
                    activation?.apply(out, count: n)
                    if let next { hand(out, row: r, to: next) }
                }
            }
        }

        /// Converts finished row `r` for `next` into the scratch's handoff.
        @inline(__always)
        func hand(_ row: UnsafeMutablePointer<Float>, row r: Int, to next: PackedWeight) {
            guard let codes = scratch.handoff else { return }
            next.convertInput(row, row: r, into: codes, parameters: scratch.handoffParameters)
        }
    }

    /// Input row `r` (`inputs` floats) as this weight multiplies it: u8 codes at `codes` with their
    /// quantization in `parameters[r]`, or bf16. Serves a product's own conversion and the handoff.
    @inline(__always)
    fileprivate func convertInput(_ row: UnsafePointer<Float>, row r: Int, into codes: UnsafeMutableRawPointer,
                                  parameters: UnsafeMutablePointer<RowQuantization.Parameters>?) {
        switch format {
        case .int8:
            guard let parameters else { return }
            parameters[r] = RowQuantization.quantize(row, count: inputs, levels: activationLevels,
                                                     into: codes.assumingMemoryBound(to: UInt8.self) + r * inputs)
        case .bf16:
            BFloat16.convert(row, count: inputs, into: codes.assumingMemoryBound(to: UInt16.self) + r * inputs)
        }
    }

    /// Converts the input rows on all threads before a column-split product (each band needs them all).
    fileprivate struct Conversion: ParallelWork, @unchecked Sendable {
        let work: Blocks

        func run(part: Int, of parts: Int) {
            work.convert(ComputePool.block(part, of: parts, in: work.input.rows, multiple: 1))
        }
    }
}
