/// `bert.encoder.layer.<i>`: attention, then the feed-forward block.
public struct BertLayer: Sendable {
    public let attention: BertAttention
    public let intermediate: BertIntermediate
    public let output: BertOutput

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        attention = try BertAttention(weights: weights, prefix: "\(prefix).attention", config: config)
        intermediate = try BertIntermediate(weights: weights, prefix: "\(prefix).intermediate", config: config)
        output = try BertOutput(weights: weights, prefix: "\(prefix).output", config: config)
    }

    public func forward(_ hidden: Matrix, ranges: [Range<Int>]) -> Matrix {
        let attended = attention.forward(hidden, ranges: ranges)
        return output.forward(intermediate.forward(attended), input: attended)
    }
}
