import BertNER
import CoreMetrics
import Foundation

import Prometheus
import Synchronization

/// The service's Prometheus metrics, recorded through swift-metrics into a registry owned by this
/// server (not the global `MetricsSystem`, so several servers — or tests — can live in one process).
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    private let batchTexts: CoreMetrics.Recorder
    private let batchTokens: CoreMetrics.Recorder
    private let queueDepth: CoreMetrics.Gauge
    private let inferenceTokens: CoreMetrics.Counter
    private let inferenceSeconds: CoreMetrics.FloatingPointCounter
    private let tokensPerSecond: CoreMetrics.Gauge
    private let modelLoadSeconds: CoreMetrics.Gauge
    private let rejected: CoreMetrics.Counter
    private let dropped: [Batcher.DropReason: CoreMetrics.Counter]
    private let ready: CoreMetrics.Gauge
    private let queueCapacity: CoreMetrics.Gauge
    private let dictionaryEntries: CoreMetrics.Gauge
    private let dictionaryReloads: [Bool: CoreMetrics.Counter]
    private let dictionaryMatches: CoreMetrics.Counter
    private let dictionaryMisaligned: CoreMetrics.Counter
    private let processMetrics: ProcessMetrics

    public init() {
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
        dropped = Dictionary(uniqueKeysWithValues: Batcher.DropReason.allCases.map { reason in
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

    /// One answered HTTP request. `route` is the matched route pattern (bounded cardinality), never
    /// the raw path.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        CoreMetrics.Counter(label: "ner_http_requests_total", dimensions: dimensions, factory: factory).increment()
        CoreMetrics.Timer(label: "ner_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
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
    func recordDropped(_ reason: Batcher.DropReason) { dropped[reason]?.increment() }
    func recordModelLoad(_ duration: Duration) { modelLoadSeconds.record(duration.seconds) }

    /// The exposition text for `GET /metrics`; `ready` is what `/ready` answers now (`ner_ready`
    /// 1 or 0), so a replica that stays unready shows in Prometheus, not only in the kubelet.
    public func render(ready isReady: Bool) -> String {
        ready.record(isReady ? 1 : 0)
        processMetrics.update()
        return registry.emitToString()
    }
}

/// `process_*` metrics from /proc (Linux only; elsewhere they are simply absent). Cheap enough to
/// read at each scrape.
private final class ProcessMetrics: Sendable {
    private let residentBytes: CoreMetrics.Gauge
    private let virtualBytes: CoreMetrics.Gauge
    private let cpuSeconds: CoreMetrics.FloatingPointCounter
    private let openFileDescriptors: CoreMetrics.Gauge
    private let startTime: CoreMetrics.Gauge
    private let memoryLimit: CoreMetrics.Gauge
    private let lastCPUSeconds = Mutex(0.0)

    init(factory: PrometheusMetricsFactory) {
        residentBytes = CoreMetrics.Gauge(label: "process_resident_memory_bytes", factory: factory)
        virtualBytes = CoreMetrics.Gauge(label: "process_virtual_memory_bytes", factory: factory)
        cpuSeconds = CoreMetrics.FloatingPointCounter(label: "process_cpu_seconds_total", factory: factory)
        openFileDescriptors = CoreMetrics.Gauge(label: "process_open_fds", factory: factory)
        startTime = CoreMetrics.Gauge(label: "process_start_time_seconds", factory: factory)
        startTime.record(Date().timeIntervalSince1970)
        memoryLimit = CoreMetrics.Gauge(label: "ner_memory_limit_bytes", factory: factory)
        if let limit = Self.cgroupMemoryLimit() { memoryLimit.record(limit) }
    }

    /// The container's memory limit (cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`), or
    /// nil when there is none: the "memory near the limit" alert divides RSS by it.
    static func cgroupMemoryLimit() -> Double? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            // "max" (v2) or a huge page-rounded number (v1) mean no limit.
            guard let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), value < 1e18 else { return nil }
            return value
        }
        return nil
    }

    func update() {
        #if os(Linux)
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ").compactMap { Double($0) }
            if fields.count >= 2 {
                virtualBytes.record(fields[0] * pageSize)
                residentBytes.record(fields[1] * pageSize)
            }
        }
        if let total = ProcessCPUTime.seconds() {
            let delta = lastCPUSeconds.withLock { last in
                defer { last = max(last, total) }
                return total - last
            }
            if delta > 0 { cpuSeconds.increment(by: delta) }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFileDescriptors.record(entries.count)
        }
        #endif
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, attoseconds) = components
        return s * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
