/// The feed-forward activations `hidden_act` can name, computed exactly as Hugging Face's `ACT2FN`.
/// SPI only because `GEMM.linear` (timed by the benchmark harness) takes one.
@_spi(Benchmarks) public enum Activation: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// `x · Φ(x)` with the exact erf (HF `gelu`, BERT's default).
    case gelu
    /// The tanh approximation (HF `gelu_new`, `gelu_pytorch_tanh`).
    case geluNew = "gelu_new"
    case relu

    /// The `hidden_act` spelling (`ner info` prints it without naming this SPI type).
    public var description: String { rawValue }

    static let supportedNames = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"]

    init?(configName: String) {
        switch configName {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh": self = .geluNew
        case "relu": self = .relu
        default: return nil
        }
    }

    /// Applies the activation to `count` floats in place.
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .gelu: VectorMath.map(values, count: count, GELU.self)
        case .geluNew: VectorMath.map(values, count: count, GELUTanh.self)
        case .relu:
            for i in 0..<count { values[i] = max(0, values[i]) }
        }
    }

    /// `x · Φ(x)` with the exact erf.
    enum GELU: ElementwiseFunction {
        @_transparent
        static func apply(_ x: VectorMath.Vector) -> VectorMath.Vector {
            x * 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
        }
    }

    /// `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`.
    enum GELUTanh: ElementwiseFunction {
        @_transparent
        static func apply(_ x: VectorMath.Vector) -> VectorMath.Vector {
            // tanh(u) = 1 − 2 / (e^{2u} + 1), which saturates correctly at both ends.
            let u = (x + x * x * x * 0.044715) * 0.79788456080286536  // sqrt(2 / π)
            let tanh = 1 - 2 / (VectorMath.exp(u + u) + 1)
            return x * 0.5 * (1 + tanh)
        }
    }
}
