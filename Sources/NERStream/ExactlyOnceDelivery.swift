/// `--exactly-once`: one transaction per commit interval carries the results, dead letters and
/// input offsets together (the protocol is in StreamWorker+Transactions.swift).
struct ExactlyOnceDelivery: DeliveryMode {
    var name: String { "exactly-once" }
    let transactionalID: String?

    func start(_ worker: StreamWorker, producer: KafkaProducer) async throws {
        try await worker.initTransactions(producer)
    }

    func commitInterval(_ worker: StreamWorker, consumer: KafkaConsumer) {
        worker.requestTransactionCommit()
    }

    func finish(_ worker: StreamWorker, consumer: KafkaConsumer, timeout: Duration) {
        worker.awaitTransactionCommit(timeout: timeout)
    }

    /// Committing the open transaction produces everything consumed before.
    func release(_ partitions: Set<TopicPartition>, worker: StreamWorker, timeout: Duration) -> Bool {
        let finished = worker.awaitTransactionCommit(timeout: timeout)
        // Not committed in time: nothing of these partitions may be committed later by us.
        if !finished { worker.requestAbort() }
        return finished
    }

    func prepare(_ item: StreamWorker.Pending, worker: StreamWorker, producer: KafkaProducer) async -> Bool {
        await worker.prepareTransactionalDelivery(item, producer: producer)
    }

    func produce(_ record: OutputRecord, worker: StreamWorker, producer: KafkaProducer) async {
        await worker.produceInTransaction(record.message, topic: record.topic, value: record.value, headers: record.headers,
                                          reason: record.reason, producer: producer)
    }

    func delivered(_ delivery: KafkaProducer.Delivery, worker: StreamWorker) {
        worker.transactionalDelivered(delivery)
    }
}
