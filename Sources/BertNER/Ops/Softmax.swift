/// Numerically stable softmax of each row of a `rows × columns` block, in place.
/// `stride` is the distance between rows (≥ columns) so sub-blocks of larger buffers work.
@inline(__always)
func softmaxRows(_ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
    for row in 0..<rows {
        let p = values + row * stride
        var largest = -Float.infinity
        for i in 0..<columns { largest = max(largest, p[i]) }
        let shift = VectorMath.Vector(repeating: largest)
        VectorMath.map(p, count: columns) { VectorMath.exp($0 - shift) }
        var sum: Float = 0
        for i in 0..<columns { sum += p[i] }
        let inverse = 1 / sum
        for i in 0..<columns { p[i] *= inverse }
    }
}
