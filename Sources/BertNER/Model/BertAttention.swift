/// `attention`: self-attention followed by its output block (HF `BertAttention`).
public struct BertAttention: Sendable {
    public let selfAttention: BertSelfAttention
    public let output: BertSelfOutput

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        selfAttention = try BertSelfAttention(weights: weights, prefix: "\(prefix).self", config: config)
        output = try BertSelfOutput(weights: weights, prefix: "\(prefix).output", config: config)
    }

    public func forward(_ hidden: Matrix, ranges: [Range<Int>]) -> Matrix {
        output.forward(selfAttention.forward(hidden, ranges: ranges), input: hidden)
    }
}
