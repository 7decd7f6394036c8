/// A dense row-major matrix of `Float`: the one tensor type of the engine.
///
/// Activations of a packed batch are `[totalTokens, features]`; weights keep the Hugging Face
/// `[out, in]` layout, so a linear layer is `x · Wᵀ + b` (see `GEMM.swift`).
@_spi(Benchmarks) public struct Matrix: Sendable, Equatable {
    package let rows: Int
    package let columns: Int
    var storage: [Float]

    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(storage.count == rows * columns, "Matrix storage does not match \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, storage: [Float](repeating: 0, count: rows * columns))
    }

    package internal(set) subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// A copy of one row.
    func row(_ index: Int) -> [Float] {
        Array(storage[(index * columns)..<((index + 1) * columns)])
    }

    /// A copy of the rows in `range` (one sequence of a packed batch).
    func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns,
               storage: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// Rows of several matrices with the same width, stacked in order.
    static func stacking(_ parts: [Matrix]) -> Matrix {
        let columns = parts.first?.columns ?? 0
        precondition(parts.allSatisfy { $0.columns == columns }, "stacked matrices differ in width")
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, columns: columns,
                      storage: parts.flatMap(\.storage))
    }

    /// The transpose, `[columns, rows]`.
    func transposed() -> Matrix {
        var result = [Float](repeating: 0, count: storage.count)
        for r in 0..<rows {
            for c in 0..<columns { result[c * rows + r] = storage[r * columns + c] }
        }
        return Matrix(rows: columns, columns: rows, storage: result)
    }
}
