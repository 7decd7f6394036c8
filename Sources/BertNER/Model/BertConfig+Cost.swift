extension BertConfig {
    /// The dense products of one encoder layer as (inputs, outputs): fused Q|K|V, attention output,
    /// intermediate, output — the shapes `SGEMMReference` times and `encoderFLOPs` counts.
    package var layerDenseShapes: [(inputs: Int, outputs: Int)] {
        [(hiddenSize, 3 * hiddenSize), (hiddenSize, hiddenSize),
         (hiddenSize, intermediateSize), (intermediateSize, hiddenSize)]
    }

    /// Floating-point operations of one encoder pass over a sequence of `tokens` tokens: the dense
    /// products plus attention's two `tokens × tokens` products (scores and context) in every layer.
    package func encoderFLOPs(tokens: Int) -> Double {
        let n = Double(tokens)
        let dense = layerDenseShapes.reduce(0.0) { $0 + 2 * n * Double($1.inputs * $1.outputs) }
        return Double(numHiddenLayers) * (dense + 4 * n * n * Double(hiddenSize))
    }
}
