import CRdKafka
import NERServing

/// A failed transactional call, classified as librdkafka classifies it: what the worker does next
/// depends only on the class (see `StreamWorker`'s transaction handling).
struct KafkaTransactionError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// Call the same operation again (a timeout, a coordinator moving).
        case retriable
        /// The transaction is lost: abort it, rewind to the last commit, process again.
        case abortable
        /// The producer is unusable (fenced by a newer instance, unauthorized): stop.
        case fatal
    }

    var kind: Kind
    var operation: String
    /// librdkafka's error name and text.
    var text: String

    /// Takes and destroys `error`.
    init(_ error: OpaquePointer, operation: String) {
        kind = rd_kafka_error_is_fatal(error) != 0 ? .fatal
            : rd_kafka_error_txn_requires_abort(error) != 0 ? .abortable
            : rd_kafka_error_is_retriable(error) != 0 ? .retriable : .fatal
        self.operation = operation
        text = "\(String(cString: rd_kafka_error_name(error))): \(String(cString: rd_kafka_error_string(error)))"
        rd_kafka_error_destroy(error)
    }

    var description: String { "\(operation): \(text)" }
}

/// The transactional producer's calls (`transactional.id` set). All but `begin` block for a broker
/// round trip (up to `timeout`), so they run on the worker's own threads, never the Swift pool.
extension KafkaProducer {
    func initTransactions(timeout: Duration) throws(KafkaTransactionError) {
        try check(rd_kafka_init_transactions(handle, timeout.timeoutMilliseconds), "init transactions")
    }

    func beginTransaction() throws(KafkaTransactionError) {
        try check(rd_kafka_begin_transaction(handle), "begin transaction")
    }

    /// Puts the input offsets (each the next to read) into the open transaction, with the consumer
    /// group's current generation, so a worker that lost the partitions cannot commit them.
    func sendOffsets(_ offsets: [(TopicPartition, Int64)], consumer: KafkaConsumer, timeout: Duration) throws(KafkaTransactionError) {
        guard !offsets.isEmpty else { return }
        let list = offsets.makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let metadata = consumer.groupMetadata()
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        try check(rd_kafka_send_offsets_to_transaction(handle, list, metadata, timeout.timeoutMilliseconds), "send offsets to transaction")
    }

    /// Flushes the transaction's messages and commits them with its offsets.
    func commitTransaction(timeout: Duration) throws(KafkaTransactionError) {
        try check(rd_kafka_commit_transaction(handle, timeout.timeoutMilliseconds), "commit transaction")
    }

    /// Drops the transaction's queued messages and marks the written ones aborted.
    func abortTransaction(timeout: Duration) throws(KafkaTransactionError) {
        try check(rd_kafka_abort_transaction(handle, timeout.timeoutMilliseconds), "abort transaction")
    }

    private func check(_ error: OpaquePointer?, _ operation: String) throws(KafkaTransactionError) {
        if let error { throw KafkaTransactionError(error, operation: operation) }
    }
}

extension Duration {
    /// Whole milliseconds for librdkafka's timeouts (clamped to Int32).
    var timeoutMilliseconds: Int32 { Int32(clamping: nanoseconds / 1_000_000) }
}
