import BertNER
import Dispatch
import Logging
import ServiceLifecycle

/// Loads the model after the port is open (so probes answer while it loads), warms it up, marks
/// the server ready, then runs the batcher until graceful shutdown. A model that cannot be loaded
/// ends the process with the load error: a replica without a model must not pretend to be alive.
struct InferenceService: Service {
    let server: NERService

    func run() async throws {
        let started = ContinuousClock.now
        let pipeline: NERPipeline
        do {
            pipeline = try await loadAndWarmUp()
        } catch {
            // A dictionary that cannot be read is a configuration error: it fails like a bad model.
            let what = error is DictionaryError ? "dictionary" : "model"
            server.state.markFailed(error is DictionaryError ? "dictionary: \(error)" : String(describing: error))
            server.logger.critical("\(what) failed to load", metadata: ["model": "\(server.configuration.modelDirectory)", "error": "\(error)"])
            throw error
        }
        let loadTime = ContinuousClock.now - started
        server.metrics.recordModelLoad(loadTime)
        if let path = server.configuration.dictionaryPath {
            let status = server.dictionaries.status
            server.metrics.recordDictionary(entries: status.entries, reloaded: nil)
            server.logger.info("dictionary loaded", metadata: ["dictionary": "\(path)", "entries": "\(status.entries)",
                                                                "seconds": "\(status.loadSeconds ?? 0)"])
        }
        server.state.markReady(with: .init(pipeline: pipeline, info: ModelInfo(pipeline: pipeline, directory: server.configuration.modelDirectory)))
        let kernels = BLASKernels.current()
        server.logger.info("model ready", metadata: ["model": "\(server.configuration.modelDirectory)",
                                                      "load_seconds": "\(loadTime.seconds)",
                                                      "threads": "\(pipeline.threads)",
                                                      "max_batch_tokens": "\(pipeline.maxTokensPerForward)",
                                                      "precision": "\(pipeline.precisionSelection?.summary ?? pipeline.precision.rawValue)",
                                                      "kernels": "\(pipeline.productKernels)",
                                                      "blas": "\(kernels.summary)"])
        if let warning = kernels.warning { server.logger.warning("\(warning)") }
        await withGracefulShutdownHandler {
            await server.batcher.run()
        } onGracefulShutdown: {
            server.batcher.stop()
        }
    }

    /// Loading maps and converts the weights (and reads the dictionary): blocking work, kept off the
    /// concurrency pool. The warm-up pass touches every weight page and sizes the allocator before
    /// the first request.
    private func loadAndWarmUp() async throws -> NERPipeline {
        let server = server
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let pipeline = server.configure(try server.loader())
                    _ = try pipeline.recognize("新华社北京电，国务院总理在人民大会堂会见了外宾。")
                    // Needs the model's types; parsing a large file is blocking work too.
                    try server.dictionaries.load(for: pipeline, isReload: false)
                    return pipeline
                })
            }
        }
    }
}
