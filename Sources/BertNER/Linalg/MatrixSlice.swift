/// A row-major `rows × columns` view of memory owned elsewhere (a `ForwardWorkspace` buffer):
/// the forward pass reads and writes through these instead of allocating a `Matrix` per step.
///
/// Unchecked `Sendable`: parallel parts of a forward pass write through the same slice, and each
/// part writes only its own tile or rows (see `ComputePool`), so writes never overlap.
@_spi(Benchmarks) public struct MatrixSlice: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let rows: Int
    let columns: Int

    public init(base: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        self.base = base
        self.rows = rows
        self.columns = columns
    }

    @inline(__always)
    subscript(row: Int, column: Int) -> Float { base[row * columns + column] }

    @inline(__always)
    func row(_ index: Int) -> UnsafeMutablePointer<Float> { base + index * columns }

    /// The rows `range` as a slice of their own.
    func rows(_ range: Range<Int>) -> MatrixSlice {
        MatrixSlice(base: row(range.lowerBound), rows: range.count, columns: columns)
    }

    /// An owned copy (for callers and tests that keep a result past the next forward pass).
    func copy(rows range: Range<Int>? = nil) -> Matrix {
        let range = range ?? 0..<rows
        return Matrix(rows: range.count, columns: columns,
                      storage: Array(UnsafeBufferPointer(start: row(range.lowerBound), count: range.count * columns)))
    }
}

extension Matrix {
    /// Runs `body` on a read-only slice view of this matrix's storage (valid only inside `body`).
    func withSlice<Result>(_ body: (MatrixSlice) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else {
                // An empty matrix: a slice with no rows never reads its base.
                let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)
                defer { placeholder.deallocate() }
                return try body(MatrixSlice(base: placeholder, rows: rows, columns: columns))
            }
            return try body(MatrixSlice(base: UnsafeMutablePointer(mutating: base), rows: rows, columns: columns))
        }
    }
}
