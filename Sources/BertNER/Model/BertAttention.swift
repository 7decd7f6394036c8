/// `attention`: self-attention followed by its output block (HF `BertAttention`).
package struct BertAttention: Sendable {
    package let selfAttention: BertSelfAttention
    package let output: BertSelfOutput

    package init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        selfAttention = try BertSelfAttention(weights: weights, prefix: "\(prefix).self", config: config, precision: precision)
        output = try BertSelfOutput(weights: weights, prefix: "\(prefix).output", config: config, precision: precision)
    }

    /// `buffers.hidden` → `buffers.attended`.
    package func forward(_ buffers: ForwardWorkspace.Buffers, ranges: [Range<Int>], pool: ComputePool) {
        selfAttention.forward(buffers.hidden, ranges: ranges, buffers: buffers, pool: pool)
        output.forward(buffers.context, input: buffers.hidden, into: buffers.attended, pool: pool)
    }
}
