import CRdKafka
import Foundation
import Synchronization

/// A librdkafka producer whose delivery reports come back with the token given to `produce`.
/// Idempotence is on by default (`enable.idempotence=true`, so `acks=all`): librdkafka's retries
/// can neither duplicate nor reorder a partition's messages, which keeps results in input order
/// per key. Reports are served by `servePolls()` on a thread of its own.
final class KafkaProducer: @unchecked Sendable {
    struct Delivery: Sendable {
        var token: UInt64
        var topic: String
        var partition: Int32
        var offset: Int64
        /// nil: the broker acknowledged it.
        var error: String?
    }

    private final class Context: KafkaClientContext {
        let delivered: @Sendable (Delivery) -> Void
        init(delivered: @escaping @Sendable (Delivery) -> Void, log: @escaping KafkaLogSink) {
            self.delivered = delivered
            super.init(log: log)
        }
    }

    let handle: OpaquePointer
    private let context: Unmanaged<Context>
    private let polling = Atomic<Bool>(true)

    init(properties: [String: String], scrubbing: KafkaProperties, log: @escaping KafkaLogSink,
         delivered: @escaping @Sendable (Delivery) -> Void) throws(StreamError) {
        let configuration = try KafkaConfigurationHandle(properties, scrubbing: scrubbing)
        let context = Unmanaged.passRetained(Context(delivered: delivered, log: log))
        configuration.attach(context)
        rd_kafka_conf_set_dr_msg_cb(configuration.pointer) { _, message, opaque in
            guard let message, let opaque else { return }
            let m = message.pointee
            let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue().delivered(Delivery(
                token: UInt64(UInt(bitPattern: m._private)), topic: topic, partition: m.partition, offset: m.offset,
                error: m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : kafkaErrorText(m.err)))
        }
        do {
            handle = try configuration.makeClient(RD_KAFKA_PRODUCER, scrubbing: scrubbing)
        } catch {
            context.release()
            throw error
        }
        self.context = context
    }

    deinit {
        rd_kafka_destroy(handle)
        context.release()
    }

    /// Queues one message; `token` (non-zero) comes back in its delivery report. Waits while
    /// librdkafka's queue is full (back-pressure instead of an error).
    /// `value` nil: a message without a value (a tombstone); `partition` nil: chosen by the key's hash.
    func produce(topic: String, key: [UInt8]?, value: [UInt8]?, partition: Int32? = nil, headers: [(name: String, value: [UInt8]?)],
                 token: UInt64) throws(StreamError) {
        precondition(token != 0, "delivery tokens are non-zero")
        while true {
            let list: OpaquePointer? = headers.isEmpty ? nil : rd_kafka_headers_new(headers.count)
            for header in headers {
                if let bytes = header.value {
                    bytes.withUnsafeBytes { _ = rd_kafka_header_add(list, header.name, -1, $0.baseAddress, $0.count) }
                } else {
                    rd_kafka_header_add(list, header.name, -1, nil, 0)
                }
            }
            let code = (value ?? []).withUnsafeBytes { valueBytes in
                (key ?? []).withUnsafeBytes { keyBytes in
                    bertner_produce(handle, topic, partition ?? RD_KAFKA_PARTITION_UA,
                                    key == nil ? nil : keyBytes.baseAddress, key == nil ? 0 : keyBytes.count,
                                    value == nil ? nil : valueBytes.baseAddress, value == nil ? 0 : valueBytes.count,
                                    list, UnsafeMutableRawPointer(bitPattern: UInt(token)))
                }
            }
            if code == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if let list { rd_kafka_headers_destroy(list) }
            guard code == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw .kafka(operation: "produce to '\(topic)'", error: kafkaErrorText(code)) }
            rd_kafka_poll(handle, 10)
        }
    }

    /// Serves delivery reports until `stopPolling()`; run on a dedicated thread.
    func servePolls() {
        while polling.load(ordering: .acquiring) { rd_kafka_poll(handle, 50) }
    }

    func stopPolling() { polling.store(false, ordering: .releasing) }

    /// Waits up to `timeout` for every queued message to be delivered or failed; true when none is left.
    func flush(timeout: Duration) -> Bool {
        rd_kafka_flush(handle, Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
            == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Messages not yet delivered.
    var outstanding: Int { Int(rd_kafka_outq_len(handle)) }
}
