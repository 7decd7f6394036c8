import CoreMetrics
import NERServing

extension ServingMetrics {
    /// One answered HTTP request. `route` is the matched route pattern (bounded cardinality), never
    /// the raw path.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        CoreMetrics.Counter(label: "ner_http_requests_total", dimensions: dimensions, factory: factory).increment()
        CoreMetrics.Timer(label: "ner_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }
}
