/// `exp` and `erf` on eight floats at a time, from additions, multiplications and bit operations
/// only. Swift's default target (baseline x86-64) turns `expf`/`erff` on SIMD lanes — and even
/// `.rounded()` or `addingProduct` — into one libm call per lane; these stay in vector registers.
/// Softmax (attention, label probabilities) and GELU share them.
enum VectorMath {
    typealias Vector = SIMD8<Float>

    /// e^x, relative error ≈ 1e-7 (Cephes `expf` polynomial); exact 0 below −87.3, clamped above 88.7.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        // `replacing` compiles to compare + blend; `clamped`/`pointwiseMin` stay generic calls.
        let low = Vector(repeating: -87.3), high = Vector(repeating: 88.7)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // n = round(x / ln 2): adding 1.5 · 2²³ rounds to an integer, whose value then sits in
        // the low mantissa bits (no float → int conversion needed).
        let magic = Vector(repeating: 12_582_912)
        let shifted = clamped * 1.442695040888963 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693359375 + n * 2.12194440e-4  // x − n·ln 2 in two parts
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        // Multiply by 2ⁿ by adding n to the exponent field.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scaled = unsafeBitCast(unsafeBitCast(p, to: SIMD8<Int32>.self) &+ (integer &<< 23), to: Vector.self)
        return scaled.replacing(with: 0, where: x .< low)
    }

    /// erf(x), absolute error < 2e-7 (Abramowitz & Stegun 7.1.26 with exact-enough constants,
    /// odd symmetry).
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (a * 0.3275911 + 1)
        var p = Vector(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        let y = 1 - p * t * exp(-(a * a))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// Applies `transform` to `count` floats in place, eight at a time; the tail goes through a
    /// zero-padded vector so every element sees the same arithmetic.
    @inline(__always)
    static func map(_ values: UnsafeMutablePointer<Float>, count: Int, _ transform: (Vector) -> Vector) {
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(values + i)
            raw.storeBytes(of: transform(raw.loadUnaligned(as: Vector.self)), as: Vector.self)
            i += 8
        }
        if i < count {
            let tail = transform(loadPadded(values + i, count: count - i))
            for k in 0..<(count - i) { values[i + k] = tail[k] }
        }
    }

    /// The first `count` (≤ 8) floats at `values`, the remaining lanes 0.
    @inline(__always)
    static func loadPadded(_ values: UnsafePointer<Float>, count: Int) -> Vector {
        var vector = Vector()
        for k in 0..<count { vector[k] = values[k] }
        return vector
    }
}
