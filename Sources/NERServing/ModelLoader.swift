import BertNER
import Dispatch

/// Loading a model for serving, one function for both adapters: the bundle (or an embedder's
/// loader), the configured threads and word-piece budget, a warm-up pass, and the server-wide
/// dictionary, which needs the model's types.
struct ModelLoader: Sendable {
    /// One text through the whole pipeline touches every weight page and sizes the allocator before
    /// the first request.
    static let warmUpText = "新华社北京电，国务院总理在人民大会堂会见了外宾。"

    private let arguments: any EngineArguments
    private let open: @Sendable () throws -> NERPipeline

    /// `loader` nil: the bundle at `arguments.modelDirectory`.
    init(arguments: some EngineArguments, loader: (@Sendable () throws -> NERPipeline)?) {
        self.arguments = arguments
        let directory = arguments.modelDirectory, stride = arguments.stride, precision = arguments.precision
        let threads = arguments.threads
        open = loader ?? { try NERPipeline(modelDirectory: directory, stride: stride, precision: precision, threads: threads) }
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
        if arguments.threads > 0 { pipeline.threads = arguments.threads }
        pipeline.maxTokensPerForward = max(1, arguments.maxBatchTokens)
        return pipeline
    }
}
