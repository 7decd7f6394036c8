/// The default guarantee: results are produced with the idempotent producer, and an input's offset
/// is committed by the consumer only after the broker acknowledged its result (a crash in between
/// means the message is tagged again, never lost).
struct AtLeastOnceDelivery: DeliveryMode {
    var name: String { "at-least-once" }
    var transactionalID: String? { nil }

    func start(_ worker: StreamWorker, producer: KafkaProducer) async throws {}

    func commitInterval(_ worker: StreamWorker, consumer: KafkaConsumer) {
        worker.commit(consumer)
    }

    func finish(_ worker: StreamWorker, consumer: KafkaConsumer, timeout: Duration) {
        worker.commit(consumer)
    }

    func release(_ partitions: Set<TopicPartition>, worker: StreamWorker, timeout: Duration) -> Bool {
        let finished = worker.shared.wait(until: { $0.tracker.inFlight(in: partitions) == 0 || $0.failure != nil }, timeout: timeout)
        if let consumer = worker.shared.update({ $0.consumer }) { worker.commit(consumer, only: partitions) }
        return finished
    }

    func prepare(_ item: StreamWorker.Pending, worker: StreamWorker, producer: KafkaProducer) async -> Bool { true }

    /// The message is done when its delivery report arrives: the token finds it again.
    func produce(_ record: OutputRecord, worker: StreamWorker, producer: KafkaProducer) async {
        let message = record.message
        let token = worker.shared.update { shared -> UInt64 in
            defer { shared.nextToken += 1 }
            shared.deliveries[shared.nextToken] = StreamWorker.PendingDelivery(partition: message.partition, offset: message.offset,
                                                                               reason: record.reason)
            return shared.nextToken
        }
        do {
            try producer.produce(topic: record.topic, key: message.key, value: record.value, headers: record.headers, token: token)
        } catch {
            worker.streamMetrics.recordProduceError()
            worker.fail(error)
        }
    }

    func delivered(_ delivery: KafkaProducer.Delivery, worker: StreamWorker) {
        guard let pending = worker.shared.update({ $0.deliveries.removeValue(forKey: delivery.token) }) else { return }
        if let error = delivery.error {
            // librdkafka retried until message.timeout.ms: stop before committing past it.
            worker.streamMetrics.recordProduceError()
            worker.logger.error("delivery failed", metadata: ["topic": "\(delivery.topic)", "error": "\(error)",
                                                              "input": "\(pending.partition)", "offset": "\(pending.offset)"])
            worker.fail(.deliveryFailed(topic: delivery.topic, error: error))
            return
        }
        worker.complete(pending.partition, offset: pending.offset, reason: pending.reason)
    }
}
