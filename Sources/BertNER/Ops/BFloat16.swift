/// fp32 → bfloat16 (the upper 16 bits), rounded to nearest even as PyTorch and oneDNN round.
enum BFloat16 {
    /// `count` floats times `scale` (exact for 1), rounded to bf16.
    @inline(__always)
    static func convert(_ source: UnsafePointer<Float>, count: Int, scale: Float = 1,
                        into destination: UnsafeMutablePointer<UInt16>) {
        // A plain loop, which LLVM vectorizes (SIMD16<UInt16>(truncatingIfNeeded:) stays a generic call).
        for i in 0..<count {
            let b = (source[i] * scale).bitPattern
            destination[i] = UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
        }
    }

    static func convert(_ source: [Float], into destination: UnsafeMutablePointer<UInt16>) {
        source.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            convert(base, count: buffer.count, into: destination)
        }
    }
}
