/// Numerically stable softmax of each row of a `rows × columns` block, in place.
/// `stride` is the distance between rows (≥ columns) so sub-blocks of larger buffers work.
///
/// Maximum, exponentials with their sum, and the scaling each take one pass of eight-float vectors:
/// scalar loops here do not vectorise (a float maximum and a float sum have a fixed order), and
/// attention's softmax over `n²` scores per head is the engine's largest cost outside the GEMMs.
@inline(__always)
func softmaxRows(_ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
    typealias Vector = VectorMath.Vector
    let full = columns / 8 * 8, tail = columns - full
    for row in 0..<rows {
        let p = values + row * stride
        let raw = UnsafeMutableRawPointer(p)
        var largestLanes = Vector(repeating: -.infinity)
        for i in Swift.stride(from: 0, to: full, by: 8) {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            largestLanes = largestLanes.replacing(with: x, where: x .> largestLanes)
        }
        var largest = largestLanes.max()
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

        let inverse = Vector(repeating: 1 / sum)
        for i in Swift.stride(from: 0, to: full, by: 8) {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            raw.storeBytes(of: x * inverse, toByteOffset: i * 4, as: Vector.self)
        }
        for i in full..<columns { p[i] *= inverse[0] }
    }
}
