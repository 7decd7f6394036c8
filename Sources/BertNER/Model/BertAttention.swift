/// `attention`: self-attention followed by its output block (HF `BertAttention`).
struct BertAttention: Sendable {
    let selfAttention: BertSelfAttention
    let output: BertSelfOutput

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        selfAttention = try BertSelfAttention(weights: weights, prefix: "\(prefix).self", config: config, precision: precision)
        output = try BertSelfOutput(weights: weights, prefix: "\(prefix).output", config: config, precision: precision)
    }

    /// `buffers.hidden` → `buffers.attended`.
    func forward(_ buffers: ForwardWorkspace.Buffers, ranges: [Range<Int>], pool: ComputePool) {
        selfAttention.forward(buffers.hidden, ranges: ranges, buffers: buffers, pool: pool)
        output.forward(buffers.context, input: buffers.hidden, into: buffers.attended, pool: pool)
    }
}
