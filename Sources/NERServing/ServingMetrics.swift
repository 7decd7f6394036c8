import BertNER
import CoreMetrics
import Prometheus

/// The Prometheus series both adapters export — batches, queue, drops, dictionary, model load,
/// readiness, process — recorded through swift-metrics into a registry owned by this service (not
/// the global `MetricsSystem`, so several services — or tests — can live in one process). An
/// adapter adds its own series to `registry` (HTTP requests through `factory`, so its latency
/// histogram has these buckets).
package final class ServingMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    package let factory: PrometheusMetricsFactory

    private let batchTexts: CoreMetrics.Recorder
    private let batchTokens: CoreMetrics.Recorder
    private let queueDepth: CoreMetrics.Gauge
    private let inferenceTokens: CoreMetrics.Counter
    private let inferenceSeconds: CoreMetrics.FloatingPointCounter
    private let tokensPerSecond: CoreMetrics.Gauge
    private let modelLoadSeconds: CoreMetrics.Gauge
    private let rejected: CoreMetrics.Counter
    private let dropped: [DropReason: CoreMetrics.Counter]
    private let ready: CoreMetrics.Gauge
    private let queueCapacity: CoreMetrics.Gauge
    private let dictionaryEntries: CoreMetrics.Gauge
    private let dictionaryReloads: [Bool: CoreMetrics.Counter]
    private let dictionaryMatches: CoreMetrics.Counter
    private let dictionaryMisaligned: CoreMetrics.Counter
    private let processMetrics: ProcessMetrics

    package init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets = [
            "ner_batch_texts": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
            "ner_batch_tokens": [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
        ]
        self.factory = factory
        batchTexts = CoreMetrics.Recorder(label: "ner_batch_texts", factory: factory)
        batchTokens = CoreMetrics.Recorder(label: "ner_batch_tokens", factory: factory)
        queueDepth = CoreMetrics.Gauge(label: "ner_queue_depth", factory: factory)
        inferenceTokens = CoreMetrics.Counter(label: "ner_inference_tokens_total", factory: factory)
        inferenceSeconds = CoreMetrics.FloatingPointCounter(label: "ner_inference_seconds_total", factory: factory)
        tokensPerSecond = CoreMetrics.Gauge(label: "ner_inference_tokens_per_second", factory: factory)
        modelLoadSeconds = CoreMetrics.Gauge(label: "ner_model_load_seconds", factory: factory)
        rejected = CoreMetrics.Counter(label: "ner_rejected_total", dimensions: [("reason", "queue_full")], factory: factory)
        // Both reasons exported from the start, so a rate over them never starts from a missing series.
        dropped = Dictionary(uniqueKeysWithValues: DropReason.allCases.map { reason in
            (reason, CoreMetrics.Counter(label: "ner_dropped_total", dimensions: [("reason", reason.rawValue)], factory: factory))
        })
        dropped.values.forEach { $0.increment(by: 0) }
        ready = CoreMetrics.Gauge(label: "ner_ready", factory: factory)
        ready.record(0)
        queueCapacity = CoreMetrics.Gauge(label: "ner_queue_capacity", factory: factory)
        dictionaryEntries = CoreMetrics.Gauge(label: "ner_dictionary_entries", factory: factory)
        dictionaryReloads = [
            true: CoreMetrics.Counter(label: "ner_dictionary_reloads_total", dimensions: [("result", "success")], factory: factory),
            false: CoreMetrics.Counter(label: "ner_dictionary_reloads_total", dimensions: [("result", "failure")], factory: factory),
        ]
        dictionaryReloads.values.forEach { $0.increment(by: 0) }
        dictionaryMatches = CoreMetrics.Counter(label: "ner_dictionary_matches_total", dimensions: [("outcome", "applied")], factory: factory)
        dictionaryMisaligned = CoreMetrics.Counter(label: "ner_dictionary_matches_total", dimensions: [("outcome", "misaligned")], factory: factory)
        dictionaryMatches.increment(by: 0)
        dictionaryMisaligned.increment(by: 0)
        dictionaryEntries.record(0)
        processMetrics = ProcessMetrics(factory: factory)
    }

    /// A dictionary load: `entries` when one was taken; `reloaded` true/false for a SIGHUP reload
    /// that succeeded / failed, nil for the load at start.
    func recordDictionary(entries: Int?, reloaded: Bool?) {
        if let entries { dictionaryEntries.record(entries) }
        if let reloaded { dictionaryReloads[reloaded]?.increment() }
    }

    /// Dictionary entries applied to requests' texts, and occurrences skipped inside word pieces.
    func recordDictionaryMatches(applied: Int, misaligned: Int) {
        if applied > 0 { dictionaryMatches.increment(by: applied) }
        if misaligned > 0 { dictionaryMisaligned.increment(by: misaligned) }
    }

    func recordBatch(texts: Int, tokens: Int, duration: Duration) {
        batchTexts.record(texts)
        batchTokens.record(tokens)
        inferenceTokens.increment(by: tokens)
        let seconds = duration.seconds
        inferenceSeconds.increment(by: seconds)
        if seconds > 0 { tokensPerSecond.record(Double(tokens) / seconds) }
    }

    func recordQueueDepth(_ texts: Int) { queueDepth.record(texts) }
    /// `--max-queue`: with `ner_queue_depth`, how full the queue is (the saturation alert).
    func recordQueueCapacity(_ texts: Int) { queueCapacity.record(texts) }
    func recordQueueFull() { rejected.increment() }
    /// Queued work dropped before it was computed: its client left, or its deadline passed.
    func recordDropped(_ reason: DropReason) { dropped[reason]?.increment() }
    func recordModelLoad(_ duration: Duration) { modelLoadSeconds.record(duration.seconds) }

    /// The exposition text for `GET /metrics`; `ready` is what `/ready` answers now (`ner_ready`
    /// 1 or 0), so a replica that stays unready shows in Prometheus, not only in the kubelet.
    func render(ready isReady: Bool) -> String {
        ready.record(isReady ? 1 : 0)
        processMetrics.update()
        return registry.emitToString()
    }
}
