/// How the worker makes a result count together with its input's offset: the one place the
/// delivery guarantee (`--exactly-once` or not) is decided, chosen once when the worker is built.
/// The worker calls it where the two guarantees differ: at start, at each commit interval, on a
/// revoke, when it stops, and around producing a result and its delivery report.
protocol DeliveryMode: Sendable {
    /// "at-least-once" or "exactly-once", as `/info` and the start log name it.
    var name: String { get }
    /// The producer's `transactional.id` in force (exactly-once only).
    var transactionalID: String? { get }
    /// Before anything is consumed.
    func start(_ worker: StreamWorker, producer: KafkaProducer) async throws
    /// Every `--commit-interval-ms`, on the consumer thread.
    func commitInterval(_ worker: StreamWorker, consumer: KafkaConsumer)
    /// On the consumer thread once it has stopped and its messages are done (or the drain timed out).
    func finish(_ worker: StreamWorker, consumer: KafkaConsumer, timeout: Duration)
    /// Before librdkafka lets `partitions` go: their messages finished and committed, within
    /// `timeout`; whether they were.
    func release(_ partitions: Set<TopicPartition>, worker: StreamWorker, timeout: Duration) -> Bool
    /// Before a message's result is produced; false drops it.
    func prepare(_ item: StreamWorker.Pending, worker: StreamWorker, producer: KafkaProducer) async -> Bool
    /// Produces a result (or dead letter) of `message`; the message counts as done as this mode says.
    func produce(_ record: OutputRecord, worker: StreamWorker, producer: KafkaProducer) async
    /// A delivery report, on the producer's poll thread.
    func delivered(_ delivery: KafkaProducer.Delivery, worker: StreamWorker)
}

/// One record the worker produces for an input message: its result, or its dead letter.
struct OutputRecord: Sendable {
    var message: KafkaConsumer.Message
    var topic: String
    var value: [UInt8]
    var headers: [(name: String, value: [UInt8]?)]
    var reason: DeadLetterReason.Code?
}
