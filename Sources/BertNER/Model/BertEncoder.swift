/// `bert.encoder`: the stack of layers.
struct BertEncoder: Sendable {
    let layers: [BertLayer]
    /// Its `encoderFLOPs` weigh sequences when a batch is cut into `SequenceLanes`.
    private let config: BertConfig

    init(weights: SafeTensorsFile, prefix: String, config: BertConfig, precision: Precision = .fp32) throws {
        layers = try (0..<config.numHiddenLayers).map {
            try BertLayer(weights: weights, prefix: "\(prefix).layer.\($0)", config: config, precision: precision)
        }
        self.config = config
    }

    /// Runs every layer over `buffers.hidden` in place; `observe` sees each layer's output in
    /// order (parity tests). A batch whose sequences split evenly runs each layer in lanes, a
    /// group of sequences per thread; otherwise each step of a layer is split across the threads.
    func forward(_ buffers: ForwardWorkspace.Buffers, ranges: [Range<Int>], pool: ComputePool,
                        observe: ((Int, MatrixSlice) -> Void)? = nil) {
        let lanes = SequenceLanes(ranges: ranges, threads: pool.lanes.count, cost: config.encoderFLOPs(tokens:))
        if let lanes, observe == nil {
            // Every layer of a lane in one region: a lane's sequences never need another's, and a
            // thread slowed in one layer (preempted in a server) can catch up in the next instead
            // of making the other wait at each layer's end.
            pool.run(parts: lanes.lanes.count, Lanes(layers: layers[...], buffers: buffers, lanes: lanes, pools: pool.lanes))
            return
        }
        for (index, layer) in layers.enumerated() {
            if let lanes {
                pool.run(parts: lanes.lanes.count, Lanes(layers: layers[index...index], buffers: buffers, lanes: lanes, pools: pool.lanes))
            } else {
                layer.forward(buffers, ranges: ranges, pool: pool)
            }
            observe?(index, buffers.hidden)
        }
    }

    /// `layers` over lane `part`'s rows, on that lane's single-thread pool.
    private struct Lanes: ParallelWork {
        let layers: ArraySlice<BertLayer>
        let buffers: ForwardWorkspace.Buffers
        let lanes: SequenceLanes
        let pools: [ComputePool]

        func run(part: Int, of parts: Int) {
            let lane = lanes.lanes[part]
            let rows = buffers.rows(lane.rows, block: part)
            for layer in layers { layer.forward(rows, ranges: lane.ranges, pool: pools[part]) }
        }
    }
}
