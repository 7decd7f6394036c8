/// fp32 → bfloat16 (the upper 16 bits), rounded to nearest even as PyTorch and oneDNN round.
enum BFloat16 {
    @inline(__always)
    static func convert(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutablePointer<UInt16>) {
        source.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
            for i in 0..<count {
                let b = bits[i]
                destination[i] = UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
            }
        }
    }

    static func convert(_ source: [Float], into destination: UnsafeMutablePointer<UInt16>) {
        source.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            convert(base, count: buffer.count, into: destination)
        }
    }
}
