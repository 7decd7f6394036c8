/// LayerNorm over the last dimension with learned `weight` (γ) and `bias` (β), as `torch.nn.LayerNorm`.
struct LayerNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    let epsilon: Float

    /// Loads `<prefix>.weight` and `<prefix>.bias`.
    init(weights: SafeTensorsFile, prefix: String, size: Int, epsilon: Float) throws {
        weight = try weights.vector("\(prefix).weight", count: size)
        bias = try weights.vector("\(prefix).bias", count: size)
        self.epsilon = epsilon
    }

    /// Normalises every row of `x` in place, rows split across the pool. With `residual`,
    /// normalises `x + residual` (BERT's "Add & Norm"), saving a separate pass and buffer.
    func forward(_ x: MatrixSlice, residual: MatrixSlice? = nil, pool: ComputePool) {
        let width = x.columns
        precondition(width == weight.count, "LayerNorm width \(weight.count) ≠ input \(width)")
        if let residual {
            precondition(residual.rows == x.rows && residual.columns == width, "residual shape differs")
        }
        pool.run(parts: pool.rowParts(x.rows), Rows(layerNorm: self, x: x, residual: residual))
    }

    /// One block of rows per part.
    private struct Rows: ParallelWork {
        let layerNorm: LayerNorm
        let x: MatrixSlice
        let residual: MatrixSlice?

        func run(part: Int, of parts: Int) {
            layerNorm.normalise(x, residual: residual, rows: ComputePool.block(part, of: parts, in: x.rows, multiple: 1))
        }
    }

    private func normalise(_ x: MatrixSlice, residual: MatrixSlice?, rows: Range<Int>) {
        let width = x.columns
        weight.withUnsafeBufferPointer { gamma in
            bias.withUnsafeBufferPointer { beta in
                for row in rows {
                    let values = x.row(row)
                    if let residual {
                        let r = residual.row(row)
                        for i in 0..<width { values[i] += r[i] }
                    }
                    let mean = Self.sum(values, width) { $0 } / Float(width)
                    let centre = VectorMath.Vector(repeating: mean)
                    let variance = Self.sum(values, width) { ($0 - centre) * ($0 - centre) } / Float(width)
                    let scale = 1 / (variance + epsilon).squareRoot()
                    for i in 0..<width {
                        values[i] = (values[i] - mean) * scale * gamma[i] + beta[i]
                    }
                }
            }
        }
    }

    /// Σ term(x) over a row, in 32 interleaved partial sums (4 × 8 lanes): vectorised, and each
    /// partial sum adds only width/32 terms, so Float keeps the digits a single running sum over
    /// 768+ values would lose.
    @inline(__always)
    static func sum(_ values: UnsafeMutablePointer<Float>, _ count: Int,
                    _ term: (VectorMath.Vector) -> VectorMath.Vector) -> Float {
        var partial = (VectorMath.Vector(), VectorMath.Vector(), VectorMath.Vector(), VectorMath.Vector())
        let raw = UnsafeRawPointer(values)
        var i = 0
        while i + 32 <= count {
            partial.0 += term(raw.loadUnaligned(fromByteOffset: 4 * i, as: VectorMath.Vector.self))
            partial.1 += term(raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: VectorMath.Vector.self))
            partial.2 += term(raw.loadUnaligned(fromByteOffset: 4 * (i + 16), as: VectorMath.Vector.self))
            partial.3 += term(raw.loadUnaligned(fromByteOffset: 4 * (i + 24), as: VectorMath.Vector.self))
            i += 32
        }
        while i < count {  // the last < 32 values, eight at a time; lanes past the end count 0
            let valid = min(8, count - i)
            let tail = VectorMath.loadPadded(values + i, count: valid)
            let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
            partial.0 += term(tail).replacing(with: 0, where: lanes .>= Int32(valid))
            i += valid
        }
        return ((partial.0 + partial.1) + (partial.2 + partial.3)).sum()
    }
}
