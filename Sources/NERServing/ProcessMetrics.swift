import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// `process_*` metrics from /proc (Linux only; elsewhere they are simply absent). Cheap enough to
/// read at each scrape.
final class ProcessMetrics: Sendable {
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
