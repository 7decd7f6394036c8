import CoreMetrics
import NERServing
import Prometheus
import Synchronization

/// The worker's own Prometheus series, in the registry of the serving core's `ServingMetrics` (so
/// batch sizes, inference time and process metrics are the same series as `ner serve`'s).
final class StreamMetrics: Sendable {
    enum Outcome: String, CaseIterable {
        case result
        case deadLetter = "dead_letter"
    }

    private let factory: PrometheusMetricsFactory
    private let messages: [Outcome: CoreMetrics.Counter]
    private let deadLetters: [DeadLetterReason.Code: CoreMetrics.Counter]
    private let inFlight: CoreMetrics.Gauge
    private let assigned: CoreMetrics.Gauge
    private let rebalances: [Bool: CoreMetrics.Counter]
    private let revokeSeconds: CoreMetrics.Timer
    private let commitSeconds: CoreMetrics.Timer
    private let commits: [Bool: CoreMetrics.Counter]
    private let transactions: [Bool: CoreMetrics.Counter]
    private let abortedMessages: CoreMetrics.Counter
    private let consumerErrors: CoreMetrics.Counter
    private let produceErrors: CoreMetrics.Counter
    /// Partitions whose lag series exist, so a revoked one is set to 0 rather than left stale.
    private let lagPartitions = Mutex<Set<TopicPartition>>([])

    init(registry: PrometheusCollectorRegistry) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        self.factory = factory
        messages = Dictionary(uniqueKeysWithValues: Outcome.allCases.map {
            ($0, CoreMetrics.Counter(label: "ner_stream_messages_total", dimensions: [("outcome", $0.rawValue)], factory: factory))
        })
        deadLetters = Dictionary(uniqueKeysWithValues: DeadLetterReason.Code.allCases.map {
            ($0, CoreMetrics.Counter(label: "ner_stream_dead_letters_total", dimensions: [("reason", $0.rawValue)], factory: factory))
        })
        inFlight = CoreMetrics.Gauge(label: "ner_stream_in_flight", factory: factory)
        assigned = CoreMetrics.Gauge(label: "ner_stream_assigned_partitions", factory: factory)
        rebalances = [
            true: CoreMetrics.Counter(label: "ner_stream_rebalances_total", dimensions: [("kind", "assign")], factory: factory),
            false: CoreMetrics.Counter(label: "ner_stream_rebalances_total", dimensions: [("kind", "revoke")], factory: factory),
        ]
        revokeSeconds = CoreMetrics.Timer(label: "ner_stream_revoke_seconds", factory: factory)
        commitSeconds = CoreMetrics.Timer(label: "ner_stream_commit_seconds", factory: factory)
        commits = [
            true: CoreMetrics.Counter(label: "ner_stream_commits_total", dimensions: [("result", "success")], factory: factory),
            false: CoreMetrics.Counter(label: "ner_stream_commits_total", dimensions: [("result", "failure")], factory: factory),
        ]
        transactions = [
            true: CoreMetrics.Counter(label: "ner_stream_transactions_total", dimensions: [("result", "committed")], factory: factory),
            false: CoreMetrics.Counter(label: "ner_stream_transactions_total", dimensions: [("result", "aborted")], factory: factory),
        ]
        abortedMessages = CoreMetrics.Counter(label: "ner_stream_aborted_messages_total", factory: factory)
        consumerErrors = CoreMetrics.Counter(label: "ner_stream_consumer_errors_total", factory: factory)
        produceErrors = CoreMetrics.Counter(label: "ner_stream_produce_errors_total", factory: factory)
        // Every series exported from the start: a rate never starts from a missing series.
        (Array(messages.values) + Array(deadLetters.values) + Array(rebalances.values) + Array(commits.values) + Array(transactions.values)
         + [abortedMessages, consumerErrors, produceErrors])
            .forEach { $0.increment(by: 0) }
        inFlight.record(0)
        assigned.record(0)
    }

    /// A message's result or dead letter was acknowledged (counted once, when it is done).
    func recordDone(_ outcome: Outcome, reason: DeadLetterReason.Code?) {
        messages[outcome]?.increment()
        if let reason { deadLetters[reason]?.increment() }
    }

    func recordInFlight(_ count: Int) { inFlight.record(count) }

    func recordAssignment(partitions: Int, assigned isAssign: Bool) {
        rebalances[isAssign]?.increment()
        assigned.record(partitions)
    }

    func recordRevoke(_ duration: Duration) { revokeSeconds.recordNanoseconds(duration.nanoseconds) }

    func recordCommit(_ duration: Duration?, success: Bool) {
        commits[success]?.increment()
        if let duration { commitSeconds.recordNanoseconds(duration.nanoseconds) }
    }

    /// Exactly-once: a transaction ended; `messages` results and dead letters were produced in it
    /// (after an abort they are consumed and produced again, so they are counted again as done).
    func recordTransaction(committed: Bool, messages: Int) {
        transactions[committed]?.increment()
        if !committed { abortedMessages.increment(by: Int64(messages)) }
    }

    func recordConsumerError() { consumerErrors.increment() }
    func recordProduceError() { produceErrors.increment() }

    /// `ner_stream_consumer_lag{topic, partition}`: messages in the log not yet committed.
    func recordLag(_ lags: [TopicPartition: Int64]) {
        let stale = lagPartitions.withLock { known -> Set<TopicPartition> in
            defer { known = Set(lags.keys) }
            return known.subtracting(lags.keys)
        }
        for (partition, lag) in lags { gauge(partition).record(lag) }
        for partition in stale { gauge(partition).record(0) }
    }

    private func gauge(_ partition: TopicPartition) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: "ner_stream_consumer_lag",
                          dimensions: [("topic", partition.topic), ("partition", String(partition.partition))], factory: factory)
    }
}
