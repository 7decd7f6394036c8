/// A dense layer `y = x · Wᵀ + b` with Hugging Face's `[out, in]` weight layout (`nn.Linear`).
public struct Linear: Sendable {
    public let weight: Matrix
    public let bias: [Float]

    public init(weight: Matrix, bias: [Float]) {
        self.weight = weight
        self.bias = bias
    }

    /// Loads `<prefix>.weight` `[outputs, inputs]` and `<prefix>.bias` `[outputs]`.
    public init(weights: SafeTensorsFile, prefix: String, inputs: Int, outputs: Int) throws {
        weight = try weights.matrix("\(prefix).weight", rows: outputs, columns: inputs)
        bias = try weights.vector("\(prefix).bias", count: outputs)
    }

    public func forward(_ x: Matrix) -> Matrix {
        GEMM.linear(x, weight: weight, bias: bias)
    }
}
