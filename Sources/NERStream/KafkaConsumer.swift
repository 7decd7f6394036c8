import CRdKafka
import Foundation

/// A librdkafka high-level consumer in a consumer group. Offsets are stored and committed only
/// when the worker says so (`enable.auto.commit=false`): a message counts as consumed once its
/// result is acknowledged, never when it was fetched.
///
/// librdkafka handles are thread-safe; `poll` (which also runs the rebalance callback)
/// and `close` are called from one thread only, the worker's consumer thread.
final class KafkaConsumer: @unchecked Sendable {
    struct Message: Sendable {
        var partition: TopicPartition
        var offset: Int64
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [(name: String, value: [UInt8]?)]
    }

    enum Poll: Sendable {
        case message(Message)
        /// Nothing arrived within the timeout.
        case idle
        /// A consumer error (broker down, unknown topic, …): logged; fatal ones end the worker.
        case error(String, fatal: Bool)
    }

    /// What the worker is told about rebalances; both run on the consumer thread inside `poll`,
    /// before librdkafka changes the assignment.
    struct Callbacks: Sendable {
        var assigned: @Sendable ([TopicPartition]) -> Void
        /// Must finish (produce, acknowledge, commit) what it holds of these partitions.
        var revoked: @Sendable ([TopicPartition]) -> Void
        var log: KafkaLogSink
    }

    private final class Context: KafkaClientContext {
        let callbacks: Callbacks
        init(_ callbacks: Callbacks) {
            self.callbacks = callbacks
            super.init(log: callbacks.log)
        }
    }

    private let handle: OpaquePointer
    private let context: Unmanaged<Context>
    private var closed = false

    init(properties: [String: String], scrubbing: KafkaProperties, callbacks: Callbacks) throws(StreamError) {
        let configuration = try KafkaConfigurationHandle(properties, scrubbing: scrubbing)
        let context = Unmanaged.passRetained(Context(callbacks))
        configuration.attach(context)
        rd_kafka_conf_set_rebalance_cb(configuration.pointer) { rk, code, partitions, opaque in
            guard let rk, let partitions, let opaque else { return }
            let callbacks = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue().callbacks
            let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
            let topicPartitions = partitions.entries.map(\.0)
            if code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                callbacks.assigned(topicPartitions)
                if cooperative { rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, partitions)) } else { rd_kafka_assign(rk, partitions) }
            } else {
                callbacks.revoked(topicPartitions)
                if cooperative { rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, partitions)) } else { rd_kafka_assign(rk, nil) }
            }
        }
        do {
            handle = try configuration.makeClient(RD_KAFKA_CONSUMER, scrubbing: scrubbing)
        } catch {
            context.release()
            throw error
        }
        self.context = context
        // One queue for messages and rebalances: both served by `poll`.
        rd_kafka_poll_set_consumer(handle)
    }

    deinit {
        if !closed { rd_kafka_consumer_close(handle) }
        rd_kafka_destroy(handle)
        context.release()
    }

    func subscribe(_ topics: [String]) throws(StreamError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let code = rd_kafka_subscribe(handle, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .kafka(operation: "subscribe", error: kafkaErrorText(code)) }
    }

    func poll(timeoutMilliseconds: Int32) -> Poll {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else { return .idle }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return .idle }
            var text = kafkaErrorText(m.err)
            if let topic = m.rkt { text += " (\(String(cString: rd_kafka_topic_name(topic)))[\(m.partition)])" }
            return .error(text, fatal: m.err == RD_KAFKA_RESP_ERR__FATAL)
        }
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8]? {
            guard let pointer else { return nil }
            return Array(UnsafeRawBufferPointer(start: pointer, count: count))
        }
        var headers: [(name: String, value: [UInt8]?)] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append((name.map { String(cString: $0) } ?? "", value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                index += 1
            }
        }
        return .message(Message(partition: TopicPartition(topic: topic, partition: m.partition), offset: m.offset,
                                key: bytes(m.key, m.key_len), value: bytes(m.payload, m.len), headers: headers))
    }

    /// Commits `offsets` (each the next offset to read), waiting for the broker's answer.
    func commit(_ offsets: [(TopicPartition, Int64)]) throws(StreamError) {
        guard !offsets.isEmpty else { return }
        let list = offsets.makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_commit(handle, list, 0)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .kafka(operation: "commit", error: kafkaErrorText(code)) }
    }

    /// Reads `offsets` directly, outside any group rebalance (tools and tests that read a whole topic).
    func assign(_ offsets: [(TopicPartition, Int64)]) throws(StreamError) {
        let list = offsets.makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_assign(handle, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .kafka(operation: "assign", error: kafkaErrorText(code)) }
    }

    /// The group's committed offsets for `partitions`, asked of the broker (nil: none committed).
    func committed(_ partitions: [TopicPartition], timeout: Duration) throws(StreamError) -> [TopicPartition: Int64?] {
        let list = partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }.makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_committed(handle, list, Int32(clamping: timeout.components.seconds * 1000))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .kafka(operation: "committed", error: kafkaErrorText(code)) }
        return Dictionary(uniqueKeysWithValues: list.entries.map { ($0.0, $0.1 >= 0 ? $0.1 : nil) })
    }

    /// The partition's high watermark as last fetched (no broker round trip), or nil if unknown.
    func highWatermark(_ partition: TopicPartition) -> Int64? {
        var low: Int64 = -1, high: Int64 = -1
        let code = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        return code == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
    }

    /// Moves assigned partitions' next fetch to `offsets`; messages fetched before are dropped by
    /// librdkafka, so the next `poll` returns the partition from there.
    func seek(_ offsets: [(TopicPartition, Int64)], timeout: Duration) throws(StreamError) {
        guard !offsets.isEmpty else { return }
        let list = offsets.makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, timeout.timeoutMilliseconds) {
            defer { rd_kafka_error_destroy(error) }
            throw .kafka(operation: "seek", error: String(cString: rd_kafka_error_string(error)))
        }
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .kafka(operation: "seek \(list.entries[index].0)", error: kafkaErrorText(list.pointee.elems[index].err))
        }
    }

    /// The group's generation and member id, for offsets sent in a transaction (the caller destroys it).
    func groupMetadata() -> OpaquePointer {
        rd_kafka_consumer_group_metadata(handle)
    }

    /// The partition's high watermark, asked of its leader.
    func queryHighWatermark(_ partition: TopicPartition, timeout: Duration) throws(StreamError) -> Int64 {
        var low: Int64 = -1, high: Int64 = -1
        let code = rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .kafka(operation: "query watermarks of \(partition)", error: kafkaErrorText(code)) }
        return high
    }

    /// Leaves the group (the revoke callback runs first), so the rebalance is quick.
    func close() {
        guard !closed else { return }
        closed = true
        rd_kafka_consumer_close(handle)
    }
}
