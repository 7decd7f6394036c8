/// Numerically stable softmax of each row of a `rows × columns` block, in place.
/// `stride` is the distance between rows (≥ columns) so sub-blocks of larger buffers work.
///
/// Maximum, exponentials with their sum, and the scaling each take one pass of eight-float vectors:
/// scalar loops here do not vectorise (a float maximum and a float sum have a fixed order), and
/// attention's softmax over `n²` scores per head is the engine's largest cost outside the GEMMs.
@inline(__always)
func softmaxRows(_ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
    typealias Vector = VectorMath.Vector
    let full = columns / 8 * 8
    for row in 0..<rows {
        let p = values + row * stride
        let raw = UnsafeMutableRawPointer(p)
        let scale = exponentiate(p, columns: columns)
        let inverse = Vector(repeating: scale)
        for i in Swift.stride(from: 0, to: full, by: 8) {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            raw.storeBytes(of: x * inverse, toByteOffset: i * 4, as: Vector.self)
        }
        for i in full..<columns { p[i] *= scale }
    }
}

/// The same softmax, each row's probabilities written as bf16 to `halves` (rows `columns` apart)
/// for a bf16 product; `values` keeps the unnormalised exponentials.
@inline(__always)
func softmaxRows(_ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
                 into halves: UnsafeMutablePointer<UInt16>) {
    for row in 0..<rows {
        let p = values + row * stride
        BFloat16.convert(p, count: columns, scale: exponentiate(p, columns: columns), into: halves + row * columns)
    }
}

/// Replaces one row with `e^(x − max)` and returns 1 / their sum.
@inline(__always)
private func exponentiate(_ p: UnsafeMutablePointer<Float>, columns: Int) -> Float {
    typealias Vector = VectorMath.Vector
    let full = columns / 8 * 8, tail = columns - full
    let raw = UnsafeMutableRawPointer(p)
    var largestLanes = Vector(repeating: -.infinity)
    for i in Swift.stride(from: 0, to: full, by: 8) {
        let x = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
        largestLanes = largestLanes.replacing(with: x, where: x .> largestLanes)
    }
    var largest = VectorMath.largest(largestLanes)
    for i in full..<columns { largest = max(largest, p[i]) }

    let shift = Vector(repeating: largest)
    var sumLanes = Vector()
    for i in Swift.stride(from: 0, to: full, by: 8) {
        let e = VectorMath.exp(raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self) - shift)
        raw.storeBytes(of: e, toByteOffset: i * 4, as: Vector.self)
        sumLanes += e
    }
    var sum = sumLanes.sum()
    if tail > 0 {
        // The padded lanes would be e^(0 − largest): only the real ones are stored and summed.
        let e = VectorMath.exp(VectorMath.loadPadded(p + full, count: tail) - shift)
        for k in 0..<tail {
            p[full + k] = e[k]
            sum += e[k]
        }
    }
    return 1 / sum
}
