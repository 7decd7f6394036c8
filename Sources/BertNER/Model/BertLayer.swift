/// `bert.encoder.layer.<i>`: attention, then the feed-forward block.
struct BertLayer: Sendable {
    let attention: BertAttention
    let intermediate: BertIntermediate
    let output: BertOutput

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        attention = try BertAttention(weights: weights, prefix: "\(prefix).attention", config: config, precision: precision)
        intermediate = try BertIntermediate(weights: weights, prefix: "\(prefix).intermediate", config: config, precision: precision)
        output = try BertOutput(weights: weights, prefix: "\(prefix).output", config: config, precision: precision)
    }

    /// Replaces `buffers.hidden` with the layer's output (the input is dead once the attention
    /// block has added it back in, so the feed-forward result can take its place).
    func forward(_ buffers: ForwardWorkspace.Buffers, ranges: [Range<Int>], pool: ComputePool) {
        attention.forward(buffers, ranges: ranges, pool: pool)
        let handedOver = intermediate.forward(buffers.attended, into: buffers.intermediate, pool: pool, next: output.dense)
        output.forward(buffers.intermediate, input: buffers.attended, into: buffers.hidden, pool: pool, handedOver: handedOver)
    }
}
