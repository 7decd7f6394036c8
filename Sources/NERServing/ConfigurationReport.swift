import BertNER

/// The `configuration` section of `/info`, for both adapters: the engine's options as the loaded
/// pipeline applies them and the adapter's own options, as one flat object (the field names are the
/// options' property names).
package struct ConfigurationReport<Adapter: Encodable & Sendable>: Encodable, Sendable {
    package var engine: EngineOptions
    package var adapter: Adapter

    package init(engine: EngineOptions, adapter: Adapter, pipeline: NERPipeline?) {
        self.engine = engine.inForce(in: pipeline)
        self.adapter = adapter
    }

    package func encode(to encoder: any Encoder) throws {
        // Both write into the same keyed container: one object, as `/info` has always shown.
        try engine.encode(to: encoder)
        try adapter.encode(to: encoder)
    }
}
