import Foundation

/// The feed-forward activations `hidden_act` can name, computed exactly as Hugging Face's `ACT2FN`.
public enum Activation: String, Sendable, Equatable, CaseIterable {
    /// `x · Φ(x)` with the exact erf (HF `gelu`, BERT's default).
    case gelu
    /// The tanh approximation (HF `gelu_new`, `gelu_pytorch_tanh`).
    case geluNew = "gelu_new"
    case relu

    static let supportedNames = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"]

    init?(configName: String) {
        switch configName {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh": self = .geluNew
        case "relu": self = .relu
        default: return nil
        }
    }

    /// Applies the activation to every element in place.
    public func apply(_ values: inout [Float]) {
        switch self {
        case .gelu:
            for i in values.indices {
                let x = values[i]
                values[i] = 0.5 * x * (1 + erff(x * 0.70710678118654752))
            }
        case .geluNew:
            let c: Float = 0.79788456080286536  // sqrt(2 / π)
            for i in values.indices {
                let x = values[i]
                values[i] = 0.5 * x * (1 + tanhf(c * (x + 0.044715 * x * x * x)))
            }
        case .relu:
            for i in values.indices { values[i] = max(0, values[i]) }
        }
    }
}
