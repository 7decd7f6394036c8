import BertNER
import Logging
import NERServing
import ServiceLifecycle

/// Loads the model after the port is open (so probes answer while it loads), marks the server
/// ready, then runs the inference loop until graceful shutdown. A model that cannot be loaded ends
/// the process with the load error: a replica without a model must not pretend to be alive.
struct InferenceService: Service {
    let server: NERService

    func run() async throws {
        let core = server.core
        let model: ServiceState.LoadedModel
        do {
            model = try await core.load()
        } catch {
            core.state.markFailed(starting: error)
            server.logger.critical("\(error is DictionaryError ? "dictionary" : "model") failed to load",
                                   metadata: ["model": "\(server.engine.modelDirectory)", "error": "\(error)"])
            throw error
        }
        core.state.markReady(with: model)
        let pipeline = model.pipeline
        let kernels = BLASKernels.current()
        server.logger.info("model ready", metadata: ["model": "\(server.engine.modelDirectory)",
                                                      "load_seconds": "\(model.loadTime.seconds)",
                                                      "threads": "\(pipeline.threads)",
                                                      "max_batch_tokens": "\(pipeline.maxTokensPerForward)",
                                                      "precision": "\(pipeline.precisionSelection?.summary ?? pipeline.precision.rawValue)",
                                                      "kernels": "\(pipeline.productKernels)",
                                                      "blas": "\(kernels.summary)"])
        if let warning = kernels.warning { server.logger.warning("\(warning)") }
        await withGracefulShutdownHandler {
            await core.run()
        } onGracefulShutdown: {
            core.stop()
        }
    }
}
