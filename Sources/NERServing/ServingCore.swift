import BertNER
import Logging

/// What `ner serve` and `ner stream` both serve through: the process's readiness, the shared
/// metrics, the server-wide dictionary, the request queue with its batch policy and inference
/// loop, and the loading of the model. An adapter owns one, loads the model through it, marks the
/// state ready once it can take work, runs `run()` beside its transport, and `stop()`s it to drain.
package final class ServingCore: Sendable {
    /// What `/info`, `/openapi.json` and stream results report.
    package static let version = "0.6.0"

    package let state = ServiceState()
    package let metrics = ServingMetrics()
    /// The dictionary every text starts from (`--dictionary`), reloaded by `reloadDictionary()`.
    package let dictionaries: DictionaryStore
    package let queue: RequestQueue
    private let loop: InferenceLoop
    private let loader: ModelLoader
    private let modelDirectory: String
    private let logger: Logger

    /// `loader` runs once, from `load()`; nil loads the bundle at `engine.modelDirectory`.
    /// Whatever it returns gets the configured threads and batch budget. `maxWait` is the batch
    /// policy's hold, the adapter's own (its default differs: latency for HTTP, throughput for
    /// Kafka). `observer` sees the queue (tests; production leaves the default).
    package init(engine: EngineOptions, maxWait: Duration, maxQueue: Int, logger: Logger,
                 loader: (@Sendable () throws -> NERPipeline)? = nil, observer: any QueueObserver = NoQueueObserver()) {
        self.logger = logger
        modelDirectory = engine.modelDirectory
        self.loader = ModelLoader(engine: engine, loader: loader)
        dictionaries = DictionaryStore(path: engine.dictionaryPath)
        queue = RequestQueue(maxQueue: maxQueue, metrics: metrics, observer: observer)
        loop = InferenceLoop(queue: queue, policy: BatchPolicy(maxWait: maxWait),
                             metrics: metrics, observer: observer)
    }

    /// The model loaded, configured and warmed up, with the dictionary read (`ModelLoader`); the
    /// load is recorded (`ner_model_load_seconds`, the dictionary's entries). The state stays
    /// `loading`: the adapter marks it ready once it can take work, or failed with the error.
    package func load() async throws -> ServiceState.LoadedModel {
        let started = ContinuousClock.now
        let pipeline = try await loader.load(into: dictionaries)
        let loadTime = ContinuousClock.now - started
        metrics.recordModelLoad(loadTime)
        let status = dictionaries.status
        if let path = status.path {
            metrics.recordDictionary(entries: status.entries, reloaded: nil)
            logger.info("dictionary loaded", metadata: ["dictionary": "\(path)", "entries": "\(status.entries)",
                                                        "seconds": "\(status.loadSeconds ?? 0)"])
        }
        return .init(pipeline: pipeline, info: ModelInfo(pipeline: pipeline, directory: modelDirectory), loadTime: loadTime)
    }

    /// The inference loop; returns after `stop()` once the queue is empty. Run it exactly once.
    package func run() async {
        await loop.run()
    }

    /// Stops taking requests; queued ones are still answered by `run()`.
    package func stop() {
        queue.stop()
    }

    /// Re-reads `--dictionary` and swaps it in; an invalid file keeps the dictionary in use. Logs
    /// and counts the outcome (`ner_dictionary_reloads_total`). What SIGHUP does. Returns whether
    /// the new file was taken.
    @discardableResult
    package func reloadDictionary() -> Bool {
        guard let path = dictionaries.status.path else {
            logger.warning("SIGHUP: no --dictionary is configured; nothing to reload")
            return false
        }
        guard let pipeline = state.model?.pipeline else {
            logger.warning("SIGHUP before the model is ready: the dictionary loads with it", metadata: ["dictionary": "\(path)"])
            return false
        }
        do {
            let entries = try dictionaries.load(for: pipeline, isReload: true)
            metrics.recordDictionary(entries: entries, reloaded: true)
            logger.info("dictionary reloaded", metadata: ["dictionary": "\(path)", "entries": "\(entries)"])
            return true
        } catch {
            metrics.recordDictionary(entries: nil, reloaded: false)
            logger.error("dictionary reload failed; keeping the previous one", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The Prometheus exposition, with `ner_ready` as `/ready` answers now.
    package func renderMetrics() -> String {
        metrics.render(ready: Probe.ready.unavailability(in: state.current) == nil)
    }
}
