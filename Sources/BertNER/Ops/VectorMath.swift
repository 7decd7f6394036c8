/// `exp` and `erf` on eight floats at a time, from additions, multiplications, divisions and bit
/// operations only. Swift's default target (baseline x86-64) turns `expf`/`erff` on SIMD lanes — and even
/// `.rounded()` or `addingProduct` — into one libm call per lane; these stay in vector registers.
/// Softmax (attention, label probabilities) and GELU share them.
enum VectorMath {
    typealias Vector = SIMD8<Float>

    /// `a · b + c`, fused where the build targets FMA (`make release` on an AVX2 + FMA machine
    /// defines `BERTNER_FMA`): a baseline x86-64 build would turn a fused SIMD multiply-add into a
    /// libm `fmaf` call per lane, so it multiplies and adds there instead.
    @_transparent
    static func multiplyAdd(_ a: Vector, _ b: Vector, _ c: Vector) -> Vector {
        #if BERTNER_FMA
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    /// e^x, relative error ≈ 1e-7 (Cephes `expf` polynomial); exact 0 below −87.3, clamped above 88.7.
    @_transparent
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
        p = multiplyAdd(p, r, Vector(repeating: 1.3981999507e-3))
        p = multiplyAdd(p, r, Vector(repeating: 8.3334519073e-3))
        p = multiplyAdd(p, r, Vector(repeating: 4.1665795894e-2))
        p = multiplyAdd(p, r, Vector(repeating: 1.6666665459e-1))
        p = multiplyAdd(p, r, Vector(repeating: 5.0000001201e-1))
        p = multiplyAdd(p, r * r, r + 1)
        // Multiply by 2ⁿ by adding n to the exponent field.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scaled = unsafeBitCast(unsafeBitCast(p, to: SIMD8<Int32>.self) &+ (integer &<< 23), to: Vector.self)
        return scaled.replacing(with: 0, where: x .< low)
    }

    /// erf(x), absolute error ≈ 2e-7: the odd/even rational approximation on [−4, 4] that XLA and
    /// Eigen use for float `erf` (beyond ±4 erf is ±1 in float). It costs one division and no
    /// `exp`: half the time of Abramowitz & Stegun 7.1.26, whose `exp` dominates GELU on the
    /// baseline x86-64 target, where Swift has no FMA.
    @_transparent
    static func erf(_ value: Vector) -> Vector {
        let x = value.replacing(with: 4, where: value .> 4).replacing(with: -4, where: value .< -4)
        let x2 = x * x
        var p = multiplyAdd(x2, Vector(repeating: -2.72614225801306e-10), Vector(repeating: 2.77068142495902e-08))
        p = multiplyAdd(x2, p, Vector(repeating: -2.10102402082508e-06))
        p = multiplyAdd(x2, p, Vector(repeating: -5.69250639462346e-05))
        p = multiplyAdd(x2, p, Vector(repeating: -7.34990630326855e-04))
        p = multiplyAdd(x2, p, Vector(repeating: -2.95459980854025e-03))
        p = multiplyAdd(x2, p, Vector(repeating: -1.60960333262415e-02))
        var q = multiplyAdd(x2, Vector(repeating: -1.45660718464996e-05), Vector(repeating: -2.13374055278905e-04))
        q = multiplyAdd(x2, q, Vector(repeating: -1.68282697438203e-03))
        q = multiplyAdd(x2, q, Vector(repeating: -7.37332916720468e-03))
        q = multiplyAdd(x2, q, Vector(repeating: -1.42647390514189e-02))
        return x * p / q
    }

    /// Applies `F` to `count` floats in place, eight at a time; the tail goes through a
    /// zero-padded vector so every element sees the same arithmetic. `F` is a type rather than a
    /// closure so each use is specialised and inlined: a closure stayed a call per eight floats,
    /// passing the vector in two halves (GELU spent a third of its time on the call).
    @inline(__always)
    static func map<F: ElementwiseFunction>(_ values: UnsafeMutablePointer<Float>, count: Int, _: F.Type) {
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(values + i)
            raw.storeBytes(of: F.apply(raw.loadUnaligned(as: Vector.self)), as: Vector.self)
            i += 8
        }
        if i < count {
            let tail = F.apply(loadPadded(values + i, count: count - i))
            for k in 0..<(count - i) { values[i + k] = tail[k] }
        }
    }

    /// The largest lane, halving the vector in registers: `SIMD.max()` is a loop over the lanes
    /// through the stack (43 % of quantizing a row in `ner serve`, for a 16-lane vector).
    @inline(__always)
    static func largest(_ v: Vector) -> Float {
        let half = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
        let quarter = half.lowHalf.replacing(with: half.highHalf, where: half.highHalf .> half.lowHalf)
        return Swift.max(quarter[0], quarter[1])
    }

    /// The smallest lane, as `largest`.
    @inline(__always)
    static func smallest(_ v: Vector) -> Float {
        let half = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .< v.lowHalf)
        let quarter = half.lowHalf.replacing(with: half.highHalf, where: half.highHalf .< half.lowHalf)
        return Swift.min(quarter[0], quarter[1])
    }

    /// The largest lane of sixteen.
    @inline(__always)
    static func largest(_ v: SIMD16<Float>) -> Float {
        largest(v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf))
    }

    /// The smallest lane of sixteen.
    @inline(__always)
    static func smallest(_ v: SIMD16<Float>) -> Float {
        smallest(v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .< v.lowHalf))
    }

    /// The first `count` (≤ 8) floats at `values`, the remaining lanes 0.
    @inline(__always)
    static func loadPadded(_ values: UnsafePointer<Float>, count: Int) -> Vector {
        var vector = Vector()
        for k in 0..<count { vector[k] = values[k] }
        return vector
    }
}

/// A function applied to eight floats at a time by `VectorMath.map`.
protocol ElementwiseFunction {
    static func apply(_ x: VectorMath.Vector) -> VectorMath.Vector
}
