/// `bert.encoder`: the stack of layers.
package struct BertEncoder: Sendable {
    package let layers: [BertLayer]

    package init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        layers = try (0..<config.numHiddenLayers).map {
            try BertLayer(weights: weights, prefix: "\(prefix).layer.\($0)", config: config, precision: precision)
        }
    }

    /// Runs every layer over `buffers.hidden` in place; `observe` sees each layer's output in
    /// order (parity tests).
    package func forward(_ buffers: ForwardWorkspace.Buffers, ranges: [Range<Int>], pool: ComputePool,
                        observe: ((Int, MatrixSlice) -> Void)? = nil) {
        for (index, layer) in layers.enumerated() {
            layer.forward(buffers, ranges: ranges, pool: pool)
            observe?(index, buffers.hidden)
        }
    }
}
