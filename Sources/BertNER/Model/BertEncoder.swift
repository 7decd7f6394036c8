/// `bert.encoder`: the stack of layers.
public struct BertEncoder: Sendable {
    public let layers: [BertLayer]

    public init(weights: SafeTensorsFile, prefix: String, config: BertConfig) throws {
        layers = try (0..<config.numHiddenLayers).map {
            try BertLayer(weights: weights, prefix: "\(prefix).layer.\($0)", config: config)
        }
    }

    /// The last layer's output; `observe` sees every layer's output in order (parity tests).
    public func forward(_ hidden: Matrix, ranges: [Range<Int>], observe: ((Int, Matrix) -> Void)? = nil) -> Matrix {
        var state = hidden
        for (index, layer) in layers.enumerated() {
            state = layer.forward(state, ranges: ranges)
            observe?(index, state)
        }
        return state
    }
}
