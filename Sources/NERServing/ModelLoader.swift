import BertNER
import Dispatch

/// Loading a model for serving, one function for both adapters: the bundle (or an embedder's
/// loader), the configured threads and word-piece budget, a warm-up pass, and the server-wide
/// dictionary, which needs the model's types.
struct ModelLoader: Sendable {
    /// One text through the whole pipeline touches every weight page and sizes the allocator before
    /// the first request.
    static let warmUpText = "新华社北京电，国务院总理在人民大会堂会见了外宾。"

    private let engine: EngineOptions
    private let open: @Sendable () throws -> NERPipeline

    /// `loader` nil: the bundle at `engine.modelDirectory`.
    init(engine: EngineOptions, loader: (@Sendable () throws -> NERPipeline)?) {
        self.engine = engine
        open = loader ?? {
            try NERPipeline(modelDirectory: engine.modelDirectory, stride: engine.stride, precision: engine.precision, threads: engine.threads)
        }
    }

    /// Mapping and converting the weights and parsing a dictionary are blocking work: done on a
    /// global queue, off the concurrency pool.
    func load(into dictionaries: DictionaryStore) async throws -> NERPipeline {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let pipeline = configure(try open())
                    _ = try pipeline.recognize(Self.warmUpText)
                    try dictionaries.load(for: pipeline, isReload: false)
                    return pipeline
                })
            }
        }
    }

    /// The configured engine settings applied to whatever the loader returned: the cores a forward
    /// pass uses, and the word-piece bound of a forward pass, which is also the queue's batch budget.
    private func configure(_ pipeline: NERPipeline) -> NERPipeline {
        var pipeline = pipeline
        if engine.threads > 0 { pipeline.threads = engine.threads }
        pipeline.maxTokensPerForward = max(1, engine.maxBatchTokens)
        return pipeline
    }
}
